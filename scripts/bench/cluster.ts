/**
 * The cluster side of `npm run bench -- --cluster` (issue 16): a throw-away PostgreSQL and Redis
 * (scripts/cluster/engines.ts), N Relais nodes (servers/relaisNode.ts, each opening its backends
 * from the environment as `npm start` does) and HAProxy in front (scripts/cluster/haproxy.ts), the
 * configuration `npm run cluster` runs.
 *
 * The nodes are IPC processes like every benchmarked server, so their CPU and event-loop stalls
 * come from inside them; the engines' CPU (PostgreSQL with its backends, Redis, HAProxy's worker)
 * is read from /proc (each engine's process tree) and added: the cluster's "server CPU" is everything it takes
 * to serve, not the nodes alone.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startHaproxy, startPostgres, startRedis, type Engine, type Haproxy } from '../cluster/engines.ts';
import { haproxyConfig } from '../cluster/haproxy.ts';
import { openPgStore } from '../../sync-server/store/pg/index.ts';
import { seedBench, type BenchData } from './seedLoad.ts';
import { spawnPeer, stopPeer, type Peer } from './peer.ts';
import type { ServerStats } from './servers/ipc.ts';

/** What run.ts measures, whatever runs behind the port: one process, or a whole cluster. */
export interface BenchServer {
  /** Where clients connect (HAProxy's front for a cluster). */
  port: number;
  /** Nodes' ports, to put each document's sockets on every node (bypassing the proxy). */
  nodePorts?: number[];
  stats(docName?: string, gc?: boolean): Promise<ServerStats>;
  /** Bytes the store takes on disk, when it has a disk. */
  diskBytes(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const ENGINES = ['postgres', 'redis', 'haproxy'] as const;
type EngineName = (typeof ENGINES)[number];

const conf = (name: string, fallback: number): number => {
  const out = spawnSync('getconf', [name], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const CLK_TCK = conf('CLK_TCK', 100);
const PAGE = conf('PAGESIZE', 4096);

/**
 * CPU (ms, user + system, of the living processes and of the children they reaped) and resident
 * bytes of a process and all its descendants: an engine and what it forked (PostgreSQL's backends,
 * each in a session of its own, so not found by process group; HAProxy's worker).
 */
export function treeUsage(rootPid: number): { cpuMs: number; rss: number } {
  const procs = new Map<number, { ppid: number; ticks: number; pages: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    // After the command's closing parenthesis: state, ppid, pgrp, … (proc(5), fields 3 onwards).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), pages: Number(f[21]) });
  }
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let ticks = 0;
  let pages = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const p = procs.get(pid);
    if (!p) continue;
    ticks += p.ticks;
    pages += p.pages;
    stack.push(...(children.get(pid) ?? []));
  }
  return { cpuMs: (ticks * 1000) / CLK_TCK, rss: pages * PAGE };
}

/** Servers HAProxy has up in the sync and HTTP backends (`show servers state`: srv_op_state 2). */
async function upCount(haproxy: Haproxy): Promise<number> {
  const state = await haproxy.command('show servers state');
  return state.split('\n').filter((line) => /^\d+ relais_(http|sync) /.test(line) && line.split(' ')[5] === '2').length;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface BenchCluster {
  nodes: number;
  /** Starts the nodes (fresh processes, node flags as given) and waits until HAProxy sends to each. */
  start(nodeFlags: string[]): Promise<BenchServer>;
  /** Times HAProxy took a node out, by its reason (a node stopped between scenarios counts too). */
  downs(): Record<string, number>;
  /** HAProxy, Redis, PostgreSQL, temp dirs. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Redis, the bench's data seeded into PostgreSQL (as `seedBench` seeds LMDB for the
 * single node), and HAProxy in front of the nodes' ports (nodes started by `start`).
 */
export async function startBenchCluster(nodes: number, seed: { users: number; docs: number }): Promise<{ cluster: BenchCluster; seeded: BenchData }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-cluster-'));
  const engines: Partial<Record<EngineName, Engine | Haproxy>> = {};
  const stopEngines = async (): Promise<void> => {
    for (const name of ['haproxy', 'redis', 'postgres'] as const) await engines[name]?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const quiet = (): void => undefined;
    const [postgres, redis] = await Promise.all([startPostgres({ log: quiet }), startRedis({ appendOnly: true, log: quiet })]);
    Object.assign(engines, { postgres, redis });
    const masterKey = randomBytes(32);
    // Seeded before any node starts, through the store the nodes use (records sealed with the key).
    const store = await openPgStore(postgres.url, masterKey, { max: 4 });
    let seeded: BenchData;
    try {
      seeded = await seedBench(store, seed.users, seed.docs);
    } finally {
      await store.close();
    }
    const ports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
    const peerPorts = await Promise.all(Array.from({ length: nodes }, () => freePort()));
    const front = await freePort();
    const config = haproxyConfig({ bind: `127.0.0.1:${front}`, nodes: ports.map((port, i) => ({ name: `node-${i + 1}`, host: '127.0.0.1', port, peerPort: peerPorts[i]! })) });
    // HAProxy's lines say when it took a node out (`Server relais_http/node-2 is DOWN, reason: …`):
    // expected as nodes start and stop between scenarios, news under load (it cuts the node's
    // sockets: `on-marked-down shutdown-sessions`). Counted, and the reasons kept.
    let downs = 0;
    const downReasons = new Map<string, number>();
    const haproxy = await startHaproxy(config, {
      log: (line) => {
        const down = /Server relais_http\/(\S+) is DOWN, reason: ([^,]+)/.exec(line);
        if (!down) return;
        downs++;
        downReasons.set(down[2]!, (downReasons.get(down[2]!) ?? 0) + 1);
        if (process.env.BENCH_VERBOSE) console.log(`haproxy: ${line.trim()}`);
      },
    });
    engines.haproxy = haproxy;
    const baseEnv = (i: number): NodeJS.ProcessEnv => {
      const dataDir = join(dir, `node-${i + 1}`);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      return {
        NODE_ID: `node-${i + 1}`,
        BENCH_NODE_PORT: String(ports[i]),
        PEER_PORT: String(peerPorts[i]),
        RELAIS_DATA_DIR: dataDir,
        RELAIS_DATABASE_URL: postgres.url,
        RELAIS_REDIS_URL: redis.url,
        RELAIS_MASTER_KEY: masterKey.toString('hex'),
        TRUST_PROXY: '1',
        PUBLIC_URL: haproxy.url,
      };
    };
    const enginePids = (): [EngineName, number][] => ENGINES.map((name) => [name, engines[name]!.process.pid!]);
    /** Nodes running now: a run that fails leaves none behind the engines it stops. */
    let live: Peer[] = [];
    const cluster: BenchCluster = {
      nodes,
      downs: () => Object.fromEntries(downReasons),
      async start(nodeFlags) {
        const peers: Peer[] = ports.map((_, i) => spawnPeer(join('servers', 'relaisNode.ts'), baseEnv(i), nodeFlags));
        live = peers;
        try {
          await Promise.all(peers.map((p) => p.ready));
          // Checked every second (fastinter 0.5 s): a node just started is up within a few seconds.
          await waitFor(async () => (await upCount(haproxy)) === 2 * nodes, 'HAProxy sees every node up', 30_000);
        } catch (error) {
          for (const p of peers) p.child.kill('SIGKILL');
          throw error;
        }
        const stats = async (docName?: string, gc = false): Promise<ServerStats> => {
          const each = await Promise.all(peers.map((p) => p.ask<ServerStats>({ type: 'stats', gc, docName })));
          const sum = (f: (s: ServerStats) => number): number => each.reduce((n, s) => n + f(s), 0);
          const max = (f: (s: ServerStats) => number | undefined): number | undefined => {
            const values = each.map(f).filter((v): v is number => v !== undefined);
            return values.length ? Math.max(...values) : undefined;
          };
          const extra: Record<string, number> = { rooms: sum((s) => s.extra.rooms ?? 0), 'cpu:nodes': sum((s) => s.cpuMs), 'count:nodeDowns': downs };
          let enginesCpu = 0;
          for (const [name, pid] of enginePids()) {
            const usage = treeUsage(pid);
            extra[`cpu:${name}`] = usage.cpuMs;
            extra[`rss:${name}`] = usage.rss;
            enginesCpu += usage.cpuMs;
          }
          // One shared store: every node reads the same size; the state from the node holding the room.
          const docBytes = max((s) => s.extra.docBytes);
          const stateBytes = max((s) => s.extra.stateBytes);
          if (docBytes !== undefined) extra.docBytes = docBytes;
          if (stateBytes !== undefined) extra.stateBytes = stateBytes;
          const spaces: Record<string, number> = {};
          for (const s of each) for (const [k, v] of Object.entries(s.spaces)) spaces[k] = (spaces[k] ?? 0) + v;
          return {
            cpuMs: sum((s) => s.cpuMs) + enginesCpu,
            cpuSysMs: sum((s) => s.cpuSysMs),
            rss: sum((s) => s.rss),
            heapUsed: sum((s) => s.heapUsed),
            heapTotal: sum((s) => s.heapTotal),
            external: sum((s) => s.external),
            spaces,
            extra,
            loopDelayP99: max((s) => s.loopDelayP99) ?? 0,
            loopDelayMax: max((s) => s.loopDelayMax) ?? 0,
          };
        };
        return {
          port: haproxy.port,
          nodePorts: ports,
          stats,
          async diskBytes() {
            const client = new pg.Client({ connectionString: postgres.url });
            await client.connect();
            try {
              const { rows } = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
              return Number(rows[0]!.bytes);
            } finally {
              await client.end();
            }
          },
          async stop() {
            await Promise.all(peers.map((p) => stopPeer(p)));
            // Out of HAProxy before the next start, so that nothing lands on a node half up.
            await waitFor(async () => (await upCount(haproxy)) === 0, 'HAProxy sees the nodes down', 30_000);
          },
        };
      },
      async stop() {
        for (const p of live) p.child.kill('SIGKILL');
        await stopEngines();
      },
    };
    return { cluster, seeded };
  } catch (error) {
    await stopEngines();
    throw error;
  }
}
