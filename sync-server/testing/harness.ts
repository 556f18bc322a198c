/**
 * Test harness: the real server (uWS + LMDB) on a random loopback port with a temp data dir, and
 * stock y-websocket clients logged in through the real REST API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { readConfig, type Config } from '../config.ts';
import { openStore, type LmdbStore } from '../store/index.ts';
import { startServer, type RelaisServer, type ServerOptions } from '../server.ts';
import { seedDemo, type DemoData } from '../../scripts/demo.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { createLogger, setSharedLogger, type Logger } from '../log.ts';

/**
 * Test servers in this process log to LOG_FILE only, never to the test output: vitest.config.ts sets
 * it for the run, and its global teardown (sync-server/testing/logCheck.ts) reads it for health data.
 */
export const testLogger: Logger = createLogger({ level: 'info', file: process.env.LOG_FILE ?? null, stdout: false });
setSharedLogger(testLogger);

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'relais-test-'));
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return { ...readConfig({}), dataDir, port: 0, host: '127.0.0.1', clientDir: join(dataDir, 'no-client'), ...overrides };
}

export interface Running {
  dataDir: string;
  store: LmdbStore;
  server: RelaisServer;
  demo: DemoData;
  http: string;
  ws: string;
  /** Stops the server and the store, then starts both again on the same data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Seeds demo data into a fresh data dir and starts the server in this process. */
export async function startRelais(options: ServerOptions & { config?: Partial<Config> } = {}): Promise<Running> {
  const dataDir = tempDataDir();
  const store = openStore(dataDir);
  const demo = await seedDemo(store);
  const start = (s: LmdbStore) => startServer(testConfig(dataDir, options.config), s, { logger: testLogger, ...options });
  const server = await start(store);
  const running: Running = {
    dataDir,
    store,
    server,
    demo,
    http: `http://127.0.0.1:${server.port}`,
    ws: `ws://127.0.0.1:${server.port}`,
    async restart() {
      await running.server.close();
      await running.store.close();
      running.store = openStore(dataDir);
      running.server = await start(running.store);
      running.http = `http://127.0.0.1:${running.server.port}`;
      running.ws = `ws://127.0.0.1:${running.server.port}`;
    },
    async stop() {
      await running.server.close();
      await running.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}

/** Logs in through POST /api/session and returns the session token from the cookie. */
export async function login(http: string, identifier: string, password = 'relais-demo'): Promise<string> {
  const res = await fetch(`${http}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ identifier, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  const token = /relais_session=([^;]+)/.exec(cookie)?.[1];
  if (!token) throw new Error('no session cookie');
  return token;
}

/** The header a logged-in browser sends: a session token travels in its cookie, never in a URL. */
export const sessionHeaders = (token: string): Record<string, string> => ({ Cookie: `${SESSION_COOKIE}=${token}` });

export interface YClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** A stock y-websocket provider on `doc`, authenticated by the session cookie as in a browser. */
export function yProvider(ws: string, docName: string, token: string, doc: Y.Doc, connect = true): WebsocketProvider {
  class SessionWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: sessionHeaders(token) });
    }
  }
  return new WebsocketProvider(`${ws}/sync`, docName, doc, {
    WebSocketPolyfill: SessionWebSocket as unknown as typeof globalThis.WebSocket,
    // Off: a BroadcastChannel between clients of one process would sync them past the server.
    disableBc: true,
    connect,
    maxBackoffTime: 500,
  });
}

/** A stock y-websocket provider, authenticated by the session cookie as in a browser. */
export function yClient(ws: string, docName: string, token: string, connect = true): YClient {
  const doc = new Y.Doc();
  const provider = yProvider(ws, docName, token, doc, connect);
  return {
    doc,
    provider,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const synced = (c: YClient): boolean => c.provider.synced;

export { prng } from './prng.ts';
