/**
 * Test harness: the real server on a random loopback port with a temp data dir, and stock
 * y-websocket clients logged in through the real REST API. Two backends (issue 16):
 * - 'lmdb' (the default): one node on the embedded LMDB store, as `npm start` runs;
 * - 'cluster': two nodes in this process, each with its own data dir, PostgreSQL pool and Redis
 *   link, as two cluster processes would have (cluster/node.ts openBackends), on a fresh database
 *   of a throw-away PostgreSQL and a throw-away Redis (scripts/cluster/engines.ts), both started
 *   once per test file and stopped after it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { readConfig, type Config } from '../config.ts';
import { openStore, type LmdbStore } from '../store/index.ts';
import type { Store } from '../store/contract.ts';
import { openPgStore, type PgStore } from '../store/pg/index.ts';
import { startServer, type RelaisServer, type ServerOptions } from '../server.ts';
import { redisServices, type ClusterServices } from '../cluster/index.ts';
import { RedisLink } from '../cluster/redis.ts';
import { RedisEvents } from '../cluster/events.ts';
import { RedisDocBus } from '../cluster/docBus.ts';
import { startPostgres, startRedis, type Engine } from '../../scripts/cluster/engines.ts';
import { seedDemo, type DemoData } from '../../scripts/demo.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { loadMasterKey } from '../auth/secrets.ts';
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

/** What a test server runs on: one LMDB node, or two cluster nodes on PostgreSQL and Redis. */
export type Backend = 'lmdb' | 'cluster';
/** For `describe.each(BACKENDS)`: one suite, run against both. */
export const BACKENDS: Backend[] = ['lmdb', 'cluster'];

export interface RelaisNode {
  server: RelaisServer;
  http: string;
  ws: string;
}

export interface Running<S extends Store = LmdbStore> {
  backend: Backend;
  /** Node A's data dir (each cluster node has its own: keys, outbox). */
  dataDir: string;
  /** Node A's configuration. */
  config: Config;
  /** Node A's store (on the cluster, node B has its own pool on the same database). */
  store: S;
  /** Node A. */
  server: RelaisServer;
  demo: DemoData;
  /** Node A's URLs. */
  http: string;
  ws: string;
  /** Every node, node A first: one on LMDB, two on the cluster. */
  nodes: RelaisNode[];
  /**
   * LMDB: stops the server and the store, then starts both again on the same data dir.
   * Cluster: stops both nodes (servers, Redis links, pools), then starts both again on the same
   * database and Redis, which keep running (and keep what they hold) meanwhile. New ports either way.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type StartOptions = ServerOptions & { config?: Partial<Config>; backend?: Backend };

/**
 * Seeds demo data into a fresh store and starts the server(s) in this process. Typed by backend:
 * LMDB's store has its raw handles (`store.dbs`), the cluster's its pool; a backend chosen at run
 * time gives the contract's Store. The default (no backend) comes last, for `Parameters<>`.
 */
export function startRelais(options: StartOptions & { backend: 'lmdb' }): Promise<Running<LmdbStore>>;
export function startRelais(options: StartOptions & { backend: 'cluster' }): Promise<Running<PgStore>>;
export function startRelais(options: StartOptions & { backend: Backend }): Promise<Running<Store>>;
export function startRelais(options?: StartOptions & { backend?: 'lmdb' }): Promise<Running<LmdbStore>>;
export function startRelais(options: StartOptions = {}): Promise<Running<Store>> {
  const { backend = 'lmdb', ...rest } = options;
  return backend === 'cluster' ? startCluster(rest) : startLmdb(rest);
}

async function startLmdb(options: ServerOptions & { config?: Partial<Config> }): Promise<Running<LmdbStore>> {
  const dataDir = tempDataDir();
  const config = testConfig(dataDir, options.config);
  const store = openStore(dataDir);
  const demo = await seedDemo(store);
  const start = (s: LmdbStore) => startServer(config, s, { logger: testLogger, ...options });
  const server = await start(store);
  const running: Running<LmdbStore> = {
    backend: 'lmdb',
    dataDir,
    config,
    store,
    server,
    demo,
    http: `http://127.0.0.1:${server.port}`,
    ws: `ws://127.0.0.1:${server.port}`,
    nodes: [],
    async restart() {
      await running.server.close();
      await running.store.close();
      running.store = openStore(dataDir);
      running.server = await start(running.store);
      running.http = `http://127.0.0.1:${running.server.port}`;
      running.ws = `ws://127.0.0.1:${running.server.port}`;
      running.nodes = [{ server: running.server, http: running.http, ws: running.ws }];
    },
    async stop() {
      await running.server.close();
      await running.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  running.nodes = [{ server, http: running.http, ws: running.ws }];
  return running;
}

// ---- The cluster backend ----

interface ClusterEngines {
  postgres: Engine;
  redis: Engine;
  /** On the server's `postgres` database: creates the test databases. */
  admin: pg.Client;
}

let engines: Promise<ClusterEngines> | null = null;
let databases = 0;
let templateReady: Promise<void> | null = null;
const TEMPLATE = 'relais_template';

/** PostgreSQL and Redis for this test file, started at its first cluster, stopped after its last test. */
function clusterEngines(): Promise<ClusterEngines> {
  engines ??= (async () => {
    const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    return { postgres, redis, admin };
  })();
  return engines;
}

/**
 * Stops this process's PostgreSQL and Redis (their files removed); the next cluster starts new ones.
 * Run by itself after each test file; a script that started clusters outside vitest calls it.
 */
export async function stopClusterEngines(): Promise<void> {
  const started = await engines?.catch(() => null);
  engines = null;
  templateReady = null;
  if (!started) return;
  await started.admin.end().catch(() => undefined);
  await Promise.all([started.postgres.stop(), started.redis.stop()]);
}

// Each test file runs in its own worker with its own copy of this module: its engines go with it.
// Outside vitest (the soak and bench scripts import this file) there is no hook to register.
if (process.env.VITEST) afterAll(stopClusterEngines);

const databaseUrl = (e: ClusterEngines, name: string): string => e.postgres.url.replace(/\/postgres$/, `/${name}`);

/**
 * A new database with the schema applied: a copy of a template migrated once per file (copying
 * it takes a fraction of running the migrations again).
 */
async function freshDatabase(e: ClusterEngines, masterKey: Buffer): Promise<string> {
  templateReady ??= (async () => {
    await e.admin.query(`CREATE DATABASE ${TEMPLATE}`);
    await (await openPgStore(databaseUrl(e, TEMPLATE), masterKey)).close();
  })();
  await templateReady;
  const name = `relais_${++databases}`;
  // Waits by itself (a few seconds at most) for the template's last connections to end.
  await e.admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  return databaseUrl(e, name);
}

let masterKeyHolders = 0;
let masterKeyBefore: string | undefined;

/**
 * The master key every cluster node is given. Nodes read RELAIS_MASTER_KEY from the environment
 * when they derive the invitation and ticket keys (auth/secrets.ts sharedSecret), so it is set
 * for this process while a cluster runs, and put back as it was after the last one stops; an
 * LMDB server started meanwhile would take it as its own master key. A key already in the
 * environment is kept.
 */
function holdMasterKey(dataDir: string): Buffer {
  if (masterKeyHolders++ === 0) {
    masterKeyBefore = process.env.RELAIS_MASTER_KEY;
    process.env.RELAIS_MASTER_KEY ??= randomBytes(32).toString('hex');
  }
  return loadMasterKey(dataDir, process.env);
}

function releaseMasterKey(): void {
  if (--masterKeyHolders > 0) return;
  if (masterKeyBefore === undefined) delete process.env.RELAIS_MASTER_KEY;
  else process.env.RELAIS_MASTER_KEY = masterKeyBefore;
}

/** Redis databases 0–15 in turn: what one cluster left in Redis does not meet the next. */
let redisDatabases = 0;

interface ClusterNode extends RelaisNode {
  store: PgStore;
  /** After its server closed: the bus, the cluster services, the Redis link, the pool. */
  closeBackends(): Promise<void>;
}

/** One node as its own process would open it (cluster/node.ts): its pool, its Redis link, its server. */
async function openNode(config: Config, masterKey: Buffer, options: ServerOptions): Promise<ClusterNode> {
  const store = await openPgStore(config.databaseUrl!, masterKey);
  const link = new RedisLink(config.redisUrl!, { logger: testLogger, name: config.nodeId });
  const cluster: ClusterServices = redisServices(link, store.db, testLogger);
  const bus = new RedisDocBus(link.pub, link.sub);
  const closeBackends = async (): Promise<void> => {
    await bus.close();
    await cluster.close();
    await link.close();
    await store.close();
  };
  try {
    // Subscribed before serving: a rights change published by the other node is not missed.
    await Promise.all([waitFor(() => link.ready, 10_000, 'Redis link ready'), cluster.events instanceof RedisEvents ? cluster.events.subscribed : null]);
    const server = await startServer(config, store, { logger: testLogger, ...options, cluster, bus });
    return {
      store,
      server,
      http: `http://127.0.0.1:${server.port}`,
      ws: `ws://127.0.0.1:${server.port}`,
      closeBackends,
    };
  } catch (error) {
    await closeBackends();
    throw error;
  }
}

async function startCluster(options: ServerOptions & { config?: Partial<Config> }): Promise<Running<PgStore>> {
  if (options.cluster || options.bus) throw new Error('startRelais: the cluster backend opens its own cluster services and bus');
  const { config: overrides, ...serverOptions } = options;
  const e = await clusterEngines();
  const dataDirs = [tempDataDir(), tempDataDir()];
  const masterKey = holdMasterKey(dataDirs[0]!);
  const nodes: ClusterNode[] = [];
  const closeNodes = async (): Promise<void> => {
    const open = nodes.splice(0);
    // Every server first, so that no node is left serving on backends already closed. Once each:
    // closing a uWS listen socket twice aborts the process (libuv's assertion in uv_poll_stop).
    await Promise.all(open.map((n) => n.server.close()));
    for (const n of open) await n.closeBackends();
  };
  try {
    const url = await freshDatabase(e, masterKey);
    const redisUrl = `${e.redis.url}/${redisDatabases++ % 16}`;
    const configs = dataDirs.map((dir, i) => testConfig(dir, { databaseUrl: url, redisUrl, nodeId: `node-${'ab'[i]}`, ...overrides }));
    const seeding = await openPgStore(url, masterKey);
    let demo: DemoData;
    try {
      demo = await seedDemo(seeding);
    } finally {
      await seeding.close();
    }
    const flush = new RedisLink(redisUrl, { logger: testLogger, name: 'harness' });
    try {
      await flush.command((redis) => redis.flushdb());
    } finally {
      await flush.close();
    }
    const openAll = async (): Promise<void> => {
      for (const config of configs) nodes.push(await openNode(config, masterKey, serverOptions));
    };
    await openAll();
    const running: Running<PgStore> = {
      backend: 'cluster',
      dataDir: dataDirs[0]!,
      config: configs[0]!,
      store: nodes[0]!.store,
      server: nodes[0]!.server,
      demo,
      http: nodes[0]!.http,
      ws: nodes[0]!.ws,
      nodes: [...nodes],
      async restart() {
        await closeNodes();
        await openAll();
        Object.assign(running, { store: nodes[0]!.store, server: nodes[0]!.server, http: nodes[0]!.http, ws: nodes[0]!.ws, nodes: [...nodes] });
      },
      async stop() {
        await closeNodes();
        for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
        releaseMasterKey();
      },
    };
    return running;
  } catch (error) {
    await closeNodes().catch(() => undefined);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    releaseMasterKey();
    throw error;
  }
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
