/**
 * `npm run bench [-- --quick] [-- --servers relais,relay] [-- --only d,g [--rate 1000]] [-- --report bench/results.json]`: starts each server in its own process,
 * drives it from the load-generator process with scenarios (a)–(e) of issue 7 ((d') of issue 13 in stockJoin.ts, (g) in heavyWork.ts), and writes the
 * terminal table, bench/results.json and docs/BENCHMARKS.md (table + SVG chart).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../sync-server/store/index.ts';
import { seedBench } from './seedLoad.ts';
import type { LoadCommand, LoadResult } from './loadgen.ts';
import type { ServerKind, Target } from './protocol.ts';
import type { ServerStats } from './servers/ipc.ts';
import { writeReport, type BenchResults, type IdleResult, type ServerResult } from './report.ts';
import { SERVER_NODE_FLAGS } from '../../sync-server/nodeFlags.ts';
import { benchHeavyWork } from './heavyWork.ts';
import { stockJoin } from './stockJoin.ts';
import { benchActivity, printActivity, writeActivityReport } from './activity.ts';

const here = import.meta.dirname;
const root = resolve(here, '../..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    servers: { type: 'string' },
    report: { type: 'string' },
    // Some scenarios alone: --only d,f,g. (f): [--edits N] [--before]; (g): [--rate N].
    only: { type: 'string' },
    rate: { type: 'string' },
    edits: { type: 'string' },
    before: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
/** `--only d,e`: those scenarios alone ((a) and (c) go together); figures printed and kept in bench/only/, no report. */
const only = values.only ? new Set(values.only.split(',')) : null;
const runs = (scenario: string): boolean => !only || only.has(scenario) || (scenario === 'a' && only.has('c'));
/**
 * Relais runs with the Node flags `npm start` gives it (sync-server/nodeFlags.ts).
 * BENCH_RELAIS_NODE_FLAGS (space-separated, may be empty) replaces them, to measure a flag before
 * adopting it.
 */
const RELAIS_NODE_FLAGS = process.env.BENCH_RELAIS_NODE_FLAGS !== undefined ? process.env.BENCH_RELAIS_NODE_FLAGS.split(' ').filter(Boolean) : [...SERVER_NODE_FLAGS];
const kinds = (values.servers?.split(',') ?? ['relais', 'ywebsocket', 'hocuspocus', 'relay']) as ServerKind[];
const scripts: Record<ServerKind, string> = {
  relais: 'relais.ts',
  ywebsocket: 'ywebsocket.ts',
  hocuspocus: 'hocuspocus.ts',
  relay: 'uwsRelay.ts',
};

const plan = quick
  ? { warmup: 500, measure: 2000, drain: 3000, steps: [2000, 8000, 16000], dUpdates: 2000, dJoins: 5, eDocs: 50, eSockets: 5 }
  : {
      warmup: 2000,
      measure: 8000,
      drain: 5000,
      steps: [2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 20000, 24000, 28000, 32000, 40000],
      dUpdates: 10_000,
      dJoins: 20,
      eDocs: 200,
      eSockets: 10,
    };

class Peer {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ port?: number }>;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolveReady, rejectReady) => {
      child.once('exit', (code) => rejectReady(new Error(`process exited (${code})`)));
      child.on('message', (msg: { type?: string; id?: number; port?: number; result?: unknown; stats?: unknown; error?: string }) => {
        if (msg.type === 'ready') resolveReady(msg);
        else if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          if (msg.error) w?.reject(new Error(msg.error));
          else w?.resolve(msg.result ?? msg.stats);
        }
      });
    });
  }

  ask<T>(msg: object): Promise<T> {
    const id = this.next++;
    return new Promise<T>((res, rej) => {
      this.waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej });
      this.child.send({ ...msg, id });
    });
  }
}

const spawn = (file: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Peer =>
  new Peer(fork(join(here, file), [], { execArgv: ['--import', 'tsx', '--expose-gc', ...extraArgs], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));

async function stopServer(server: Peer): Promise<void> {
  const exited = new Promise((r) => (server.child.exitCode !== null ? r(null) : server.child.once('exit', r)));
  server.child.send({ type: 'stop' });
  await exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  if (loadBefore > cpus().length * 0.5) console.warn(`Warning: the machine is busy (load average ${loadBefore.toFixed(1)} on ${cpus().length} cores): figures will be worse than on an idle machine.`);
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const store = openStore(dataDir);
  const docCount = 100 + 1 + 1 + plan.eDocs + 1;
  const seeded = await seedBench(store, 50, docCount);
  await store.close();
  const docsA = seeded.docNames.slice(0, 100);
  const docB = seeded.docNames[100]!;
  const docD = seeded.docNames[101]!;
  const docsE = seeded.docNames.slice(102, 102 + plan.eDocs);
  const docDStock = seeded.docNames[102 + plan.eDocs]!;

  const gen = spawn('loadgen.ts', {});
  await gen.ready;
  const load = <T>(cmd: LoadCommand): Promise<T> => gen.ask<T>(cmd);

  const results: ServerResult[] = [];
  for (const kind of kinds) {
    console.log(`\n── ${kind}`);
    const cpuProfile = process.env.BENCH_CPU_PROF && kind === 'relais' ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const nodeFlags = kind === 'relais' ? RELAIS_NODE_FLAGS : [];
    const server = spawn(join('servers', scripts[kind]), { RELAIS_DATA_DIR: dataDir }, [...nodeFlags, ...cpuProfile]);
    const port = (await server.ready).port!;
    const target: Target = { kind, port, tokens: seeded.tokens, texts: kind === 'relais' ? seeded.texts : undefined };
    const stats = (docName?: string, gc = false): Promise<ServerStats> => server.ask<ServerStats>({ type: 'stats', gc, docName });
    const measured = async (run: () => Promise<LoadResult>): Promise<LoadResult & { serverCpu: number; serverLoopDelayMax: number }> => {
      const before = await stats();
      const t = performance.now();
      const r = await run();
      const after = await stats();
      return { ...r, serverCpu: (after.cpuMs - before.cpuMs) / (performance.now() - t), serverLoopDelayMax: after.loopDelayMax };
    };
    /**
     * Other work on a shared machine can stall either process for a moment: a measurement over
     * its target is taken a second time and the better one kept, the same rule for every server.
     */
    const bestOf = async (run: () => Promise<LoadResult>, limitMs = 25): Promise<LoadResult & { serverCpu: number; serverLoopDelayMax: number; attempts: number }> => {
      const first = await measured(run);
      if (first.p99 <= limitMs && first.lost === 0) return { ...first, attempts: 1 };
      await sleep(1000);
      const second = await measured(run);
      const better = second.lost < first.lost || (second.lost === first.lost && second.p99 < first.p99) ? second : first;
      return { ...better, attempts: 2 };
    };
    const result: ServerResult = { kind, steps: [] } as unknown as ServerResult;

    // (a) and (c): 100 documents × 10 sockets.
    if (runs('a')) {
    await load({ type: 'connect', target, docs: docsA, perDoc: 10 });
    result.a = await bestOf(() => load({ type: 'load', rate: 5000, warmupMs: plan.warmup, measureMs: plan.measure, drainMs: plan.drain }));
    console.log(`(a) p50 ${result.a.p50.toFixed(1)} p99 ${result.a.p99.toFixed(1)} ms, lost ${result.a.lost}, echoes ${result.a.echoes}, gen CPU ${(result.a.generatorCpu * 100).toFixed(0)}%`);
    for (const rate of plan.steps) {
      const step = await bestOf(() => load({ type: 'load', rate, warmupMs: Math.min(plan.warmup, 1000), measureMs: plan.measure / 2, drainMs: plan.drain }), 100);
      result.steps.push(step);
      const ok = step.p99 <= 100 && step.lost <= step.expected * 0.001;
      console.log(`(c) ${rate}/s → ${step.editsPerSec.toFixed(0)} edits/s, p99 ${step.p99.toFixed(1)} ms, lost ${step.lost}, server CPU ${(step.serverCpu * 100).toFixed(0)}% (longest stall ${step.serverLoopDelayMax.toFixed(0)} ms), gen CPU ${(step.generatorCpu * 100).toFixed(0)}%${ok ? '' : ' ✗'}`);
      // A busy generator only delays arrivals (it can make a server look slower, never faster), so
      // stepping goes on while steps pass; the table marks the steps where the generator neared a
      // full core, and (c) says "generator-bound" when the last passing step was one of them.
      if (!ok) break;
      await sleep(300);
    }
    await load({ type: 'disconnect' });
    await sleep(500);
    }

    // (b) 100 editors on one document.
    if (runs('b')) {
    await load({ type: 'connect', target, docs: [docB], perDoc: 100 });
    result.b = await bestOf(() => load({ type: 'load', rate: 100, warmupMs: plan.warmup, measureMs: plan.measure, drainMs: plan.drain }), 8);
    console.log(`(b) p50 ${result.b.p50.toFixed(1)} p99 ${result.b.p99.toFixed(1)} ms, lost ${result.b.lost}`);
    await load({ type: 'disconnect' });
    }

    // (d) a new client on a document of 10,000 updates (20 writers stay connected). Not for the
    // relay: it holds no document to send.
    if (kind !== 'relay' && runs('d')) {
      await load({ type: 'connect', target, docs: [docD], perDoc: 20 });
      await load({ type: 'send', count: plan.dUpdates, rate: 2000 });
      await sleep(500);
      const joined = await load<{ times: number[]; stateBytes: number }>({ type: 'join', target, docName: docD, times: plan.dJoins });
      const sortedJoins = [...joined.times].sort((x, y) => x - y);
      result.d = { median: sortedJoins[Math.floor(sortedJoins.length / 2)]!, times: joined.times, stateBytes: joined.stateBytes };
      const dStats = await stats(docD);
      if (dStats.extra.docBytes !== undefined) {
        result.d.storedBytes = dStats.extra.docBytes;
        result.d.serverStateBytes = dStats.extra.stateBytes;
    }
    console.log(`(d) median ${result.d.median.toFixed(1)} ms (state ${joined.stateBytes} B${result.d.storedBytes ? `, stored ${result.d.storedBytes} B` : ''})`);
    await load({ type: 'disconnect' });
    }
    // (d') the same with y-websocket's stock provider, on 10,000 random single-character inserts.
    if ((kind === 'relais' || kind === 'ywebsocket') && runs('d')) {
      const stock = spawn('stockClient.ts', {});
      await stock.ready;
      result.dStock = await stockJoin(stock, target, docDStock, Number(process.env.BENCH_STOCK_JOINS) || (quick ? 10 : plan.dJoins), async () => (await stats()).cpuMs);
      stock.child.kill();
    }
    if (kind === 'relais') result.diskBytes = statSync(join(dataDir, 'lmdb', 'data.mdb')).blocks * 512;

    // (e) idle sockets, on a fresh process so earlier load does not count.
    await stopServer(server);
    if (!runs('e')) {
      results.push(result);
      continue;
    }
    const idle = async (flags: string[]): Promise<IdleResult> => {
      const fresh = spawn(join('servers', scripts[kind]), { RELAIS_DATA_DIR: dataDir }, flags);
      const freshTarget: Target = { kind, port: (await fresh.ready).port!, tokens: seeded.tokens, texts: kind === 'relais' ? seeded.texts : undefined };
      const freshStats = (): Promise<ServerStats> => fresh.ask<ServerStats>({ type: 'stats', gc: true });
      await sleep(300);
      const base = await freshStats();
      await load({ type: 'connect', target: freshTarget, docs: docsE, perDoc: plan.eSockets });
      await sleep(2000);
      const full = await freshStats();
      const sockets = docsE.length * plan.eSockets;
      await load({ type: 'disconnect' });
      await sleep(1000);
      const after = await freshStats();
      await stopServer(fresh);
      return {
        sockets,
        docs: docsE.length,
        rssPerSocket: (full.rss - base.rss) / sockets,
        heapPerSocket: (full.heapUsed - base.heapUsed) / sockets,
        rssBefore: base.rss,
        rssWith: full.rss,
        roomsAfterClose: after.extra.rooms,
      };
    };
    result.e = await idle(nodeFlags);
    if (kind === 'relais') result.nodeFlags = nodeFlags;
    console.log(`(e) ${(result.e.rssPerSocket / 1024).toFixed(1)} kB RSS per idle socket${result.e.roomsAfterClose !== undefined ? `, rooms after close: ${result.e.roomsAfterClose}` : ''}`);
    if (kind === 'relais' && nodeFlags.length > 0) {
      // The same with Node's defaults, so that the table says what the flags are worth.
      result.eNodeDefaults = await idle([]);
      console.log(`(e) with Node's default flags: ${(result.eNodeDefaults.rssPerSocket / 1024).toFixed(1)} kB RSS per idle socket`);
    }
    results.push(result);
  }
  gen.child.kill();
  rmSync(dataDir, { recursive: true, force: true });

  const out: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadBefore, loadAfter: loadavg()[0]! },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    servers: results,
  };
  if (only) {
    mkdirSync(join(root, 'bench', 'only'), { recursive: true });
    writeFileSync(join(root, 'bench', 'only', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  } else writeReport(root, out);
}

/** Scenario (f), issue 13: scripts/bench/activity.ts. */
async function scenarioF(): Promise<void> {
  const edits = values.edits ? Number(values.edits) : quick ? 10_000 : 100_000;
  if (!Number.isInteger(edits) || edits < 2) throw new Error('--edits: a whole number of at least 2');
  const result = await benchActivity({ edits, before: values.before });
  printActivity(result);
  writeActivityReport(root, result, quick);
}

if (only && [...only].some((scenario) => !'abcdefg'.includes(scenario) || scenario.length !== 1)) {
  throw new Error(`--only: scenarios are letters from a to g, e.g. --only d,f (got ${values.only})`);
} else if (values.report) {
  // Rewrites the table and the chart from a results file, without running anything.
  writeReport(root, JSON.parse(readFileSync(values.report, 'utf8')) as BenchResults);
} else {
  if (!only || ['a', 'b', 'c', 'd', 'e'].some((scenario) => only.has(scenario))) await main();
  if (runs('f')) await scenarioF();
  // (g) scenario (a) beside exports and PDFs (heavyWork.ts): printed, see docs/BENCHMARKS.md.
  if (runs('g')) await benchHeavyWork({ quick, rate: values.rate ? Number(values.rate) : undefined });
}
