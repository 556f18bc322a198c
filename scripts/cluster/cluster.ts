/**
 * A whole throw-away cluster on this machine: PostgreSQL and Redis (engines.ts), N Relais nodes
 * (each `scripts/start.ts`, as `npm start` runs it, with its own ports and data dir) and HAProxy in
 * front (haproxy.ts). `npm run cluster` (scripts/cluster.ts) starts one for a developer; the fault
 * tests and the bench start one through `startCluster` and kill, restart and stop its parts.
 *
 * What the nodes share: RELAIS_MASTER_KEY (generated for the run), RELAIS_DATABASE_URL,
 * RELAIS_REDIS_URL, PUBLIC_URL and PEER_PUBLIC_URL (the proxy); the HMAC keys of peer tickets and
 * invitation links are derived from the master key (auth/secrets.ts sharedSecret), so that what one
 * node signs another accepts. Each has its own PORT, PEER_PORT, RELAIS_DATA_DIR and NODE_ID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, reapOnExit, startHaproxy, startPostgres, startRedis, type Engine, type Haproxy } from './engines.ts';
import { haproxyConfig, type HaproxyNode } from './haproxy.ts';

const root = resolve(import.meta.dirname, '..', '..');


export interface ClusterOptions {
  /** Relais nodes. Default 3. */
  nodes?: number;
  /** HAProxy's front port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** LOG_LEVEL of the nodes. Default `warn`. */
  logLevel?: string;
  /** Every line the nodes and engines print, with who printed it (`node-1`, `postgres`, `redis`, `haproxy`). */
  log?: (source: string, line: string) => void;
  /** More environment for every node (RELAIS_COMPACT_AFTER…). */
  env?: Record<string, string>;
  /** Redis's append-only file (restart keeps what it acknowledged to the second). Default true. */
  redisAppendOnly?: boolean;
  /** `X-Relais-Node` on every response through the proxy. Default true (a local cluster). */
  revealNode?: boolean;
  /** Give up on a node not ready after this long. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface RelaisNode {
  /** NODE_ID and HAProxy's server name: `node-1`… */
  id: string;
  port: number;
  peerPort: number;
  /** Its own URL, around the proxy. */
  url: string;
  dataDir: string;
  /** The environment it starts with (secrets included: never print it). */
  env: Record<string, string>;
  /** The running process, null once stopped or killed. */
  process: ChildProcess | null;
  /** SIGKILL (or `signal`), waits for the exit: the crash a test inflicts. Data dir kept. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again, same ports, data dir and environment; resolves once it answers ready. */
  start(): Promise<void>;
  /** SIGTERM, as a service manager stops it; SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface Cluster {
  /** HAProxy's URL: where browsers and clients go. */
  url: string;
  nodes: RelaisNode[];
  postgres: Engine;
  redis: Engine;
  haproxy: Haproxy;
  /** Regenerates HAProxy's configuration for these nodes (e.g. after changing one), reloaded without a drop. */
  haproxyConfig(): string;
  /** HAProxy, the nodes, Redis, PostgreSQL, in that order; then the temp dirs. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

function lines(source: string, child: ChildProcess, log: ClusterOptions['log']): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) log?.(source, line);
    });
  }
}

async function waitReady(node: RelaisNode, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${node.id} stopped while starting (exit ${child.exitCode ?? child.signalCode})`);
    try {
      const res = await fetch(`${node.url}/api/health/ready?scope=node`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) throw new Error(`${node.id} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes stopped on purpose (kill, stop): their exit is not news. */
const ending = new WeakSet<ChildProcess>();

function relaisNode(id: string, port: number, peerPort: number, dataDir: string, env: Record<string, string>, options: ClusterOptions): RelaisNode {
  const node: RelaisNode = {
    id,
    port,
    peerPort,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    env,
    process: null,
    async start() {
      if (node.process) throw new Error(`${id} is running`);
      // As `npm start` runs it; its own process group, so that a Ctrl-C reaches the launcher only.
      const child = spawn(process.execPath, ['--max-semi-space-size=8', '--import', 'tsx', 'scripts/start.ts'], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      reapOnExit(child);
      node.process = child;
      child.once('exit', (code, signal) => {
        if (node.process !== child) return;
        node.process = null;
        // Neither `kill` nor `stop` asked for it: say so (a crash, a start that failed).
        if (!ending.has(child)) options.log?.(id, `${id} s’est arrêté (${signal ?? `code ${code}`})`);
      });
      lines(id, child, options.log);
      try {
        await waitReady(node, child, options.readyTimeoutMs ?? 60_000);
      } catch (error) {
        ending.add(child);
        child.kill('SIGKILL');
        await exited(child);
        throw error;
      }
    },
    async kill(signal = 'SIGKILL') {
      const child = node.process;
      if (!child) return;
      ending.add(child);
      child.kill(signal);
      await exited(child);
    },
    async stop() {
      const child = node.process;
      if (!child) return;
      ending.add(child);
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(late);
    },
  };
  return node;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const log = options.log;
  const dir = mkdtempSync(join(tmpdir(), 'relais-cluster-'));
  const started: { stop(): Promise<void> }[] = [];
  const nodes: RelaisNode[] = [];
  // What is up so far goes down if a later part fails to start.
  const undo = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [postgres, redis] = await Promise.all([
      startPostgres({ log: (line) => log?.('postgres', line) }),
      startRedis({ appendOnly: options.redisAppendOnly ?? true, log: (line) => log?.('redis', line) }),
    ]);
    started.push(postgres, redis);
    const front = options.port ?? (await freePort());
    const publicUrl = `http://127.0.0.1:${front}`;
    const masterKey = randomBytes(32).toString('hex');
    for (let i = 1; i <= count; i += 1) {
      const id = `node-${i}`;
      const dataDir = join(dir, id);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const [port, peerPort, pscDevPort] = [await freePort(), await freePort(), await freePort()];
      const env: Record<string, string> = {
        ...options.env,
        NODE_ID: id,
        HOST: '127.0.0.1',
        PORT: String(port),
        PEER_PORT: String(peerPort),
        PSC_DEV_PORT: String(pscDevPort),
        RELAIS_DATA_DIR: dataDir,
        RELAIS_MASTER_KEY: masterKey,
        RELAIS_DATABASE_URL: postgres.url,
        RELAIS_REDIS_URL: redis.url,
        TRUST_PROXY: '1',
        PUBLIC_URL: publicUrl,
        PEER_PUBLIC_URL: `${publicUrl}/peerjs`,
        // Built once by the launcher, not by three nodes at once into one folder.
        RELAIS_SKIP_BUILD: '1',
        LOG_LEVEL: options.logLevel ?? 'warn',
      };
      nodes.push(relaisNode(id, port, peerPort, dataDir, env, options));
    }
    // The first node alone, then the others: on an empty database it seeds the demo data, which
    // the others then find.
    await nodes[0]!.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
    const config = (): string =>
      haproxyConfig({
        bind: `127.0.0.1:${front}`,
        nodes: nodes.map((n): HaproxyNode => ({ name: n.id, host: '127.0.0.1', port: n.port, peerPort: n.peerPort })),
        revealNode: options.revealNode ?? true,
      });
    const haproxy = await startHaproxy(config(), { log: (line) => log?.('haproxy', line) });
    started.push(haproxy);
    let stopping: Promise<void> | null = null;
    return {
      url: haproxy.url,
      nodes,
      postgres,
      redis,
      haproxy,
      haproxyConfig: config,
      stop() {
        stopping ??= (async () => {
          // Each part stopped whatever happened to the one before; the first failure said at the end.
          const failures: unknown[] = [];
          const attempt = (step: () => Promise<unknown>): Promise<void> => step().then(() => undefined, (error: unknown) => void failures.push(error));
          await attempt(() => haproxy.stop());
          await attempt(() => Promise.all(nodes.map((n) => n.stop())));
          await attempt(() => redis.stop());
          await attempt(() => postgres.stop());
          rmSync(dir, { recursive: true, force: true });
          if (failures.length > 0) throw failures[0];
        })();
        return stopping;
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
