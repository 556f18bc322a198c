/**
 * Scenario (g) of the benchmark (issue 13): scenario (a) — 100 documents × 10 sockets, 5,000
 * edits/s — measured alone, then again while one user exports a 25 MB dossier over and over and
 * another generates fiche PDFs and stamps a 300-page PDF over and over. Prints the p99 of (a) in
 * both runs, their ratio (target ≤ 1.5×), and the server's longest event-loop stall
 * (perf_hooks.monitorEventLoopDelay in the server process; target ≤ 50 ms).
 *
 *   npm run bench -- --only g [--quick]      or      npx tsx scripts/bench/heavyWork.ts [--quick] [--rate 1000]
 *
 * --rate: edits per second of (a), 5,000 by default as in (a); lower it on a machine too busy to
 * carry (a) at all, where p99 alone is already seconds and no ratio means anything.
 *
 * BENCH_TRACE_GC=1 runs the server with --trace-gc: on a loaded machine, its scavenges alone
 * last 90–170 ms (CPU starvation), whatever the server does.
 *
 * It only speaks HTTP and the sync protocol to the server (servers/relais.ts, the production
 * server): run on a checkout of an older commit, it measures that commit the same way.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { openStore } from '../../sync-server/store/index.ts';
import { seedBench } from './seedLoad.ts';
import { samplePdf, signaturePng } from '../../sync-server/testing/images.ts';
import type { LoadCommand, LoadResult } from './loadgen.ts';
import type { ServerStats } from './servers/ipc.ts';
import type { Target } from './protocol.ts';

const here = import.meta.dirname;

export interface HeavyWorkResult {
  alone: { p99: number; p50: number; lost: number; loopDelayMax: number };
  withHeavyWork: { p99: number; p50: number; lost: number; loopDelayMax: number; exports: number; exportMs: number; pdfs: number; stamps: number };
  ratio: number;
  load: [number, number];
}

class Peer {
  private next = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  readonly ready: Promise<{ port?: number }>;
  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`process exited (${code})`)));
      child.on('message', (msg: { type?: string; id?: number; port?: number; result?: unknown; stats?: unknown; error?: string }) => {
        if (msg.type === 'ready') resolve(msg);
        else if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          w?.(msg.error ? Promise.reject(new Error(msg.error)) : (msg.result ?? msg.stats));
        }
      });
    });
  }
  ask<T>(msg: object): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (v: unknown) => void);
      this.child.send({ ...msg, id });
    });
  }
}

const spawn = (file: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Peer =>
  new Peer(fork(join(here, file), [], { execArgv: ['--import', 'tsx', ...extraArgs], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One HTTP exchange, the response body counted and dropped (or kept when `keep`). */
function http(port: number, method: string, path: string, token: string, body?: Uint8Array, keep = false): Promise<{ status: number; size: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { cookie: `relais_session=${token}`, 'content-type': 'application/octet-stream' } }, (res) => {
      let size = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (keep) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, size, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function fakeFile(kind: 'pdf' | 'jpeg', bytes: number): Buffer {
  const body = randomBytes(bytes);
  (kind === 'pdf' ? Buffer.from('%PDF-1.7\n') : Buffer.from([0xff, 0xd8, 0xff, 0xe0])).copy(body);
  return body;
}

export async function benchHeavyWork(options: { quick: boolean; rate?: number }): Promise<HeavyWorkResult> {
  const rate = options.rate ?? 5000;
  const plan = options.quick ? { warmup: 1000, measure: 4000, drain: 3000 } : { warmup: 2000, measure: 8000, drain: 5000 };
  const loadBefore = loadavg()[0]!;
  if (loadBefore > cpus().length * 0.5) console.warn(`(g) Warning: the machine is busy (load average ${loadBefore.toFixed(1)} on ${cpus().length} cores): figures are provisional.`);
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-bench-g-'));
  const store = openStore(dataDir);
  const seeded = await seedBench(store, 50, 102);
  await store.close();
  const docsA = seeded.docNames.slice(0, 100);
  const [exported, pdfs] = [seeded.docNames[100]!.slice('dossier/'.length), seeded.docNames[101]!.slice('dossier/'.length)];
  const [exporter, signer] = [seeded.tokens[0]!, seeded.tokens[1]!];

  const gen = spawn('loadgen.ts', {}, ['--expose-gc']);
  const server = spawn(join('servers', 'relais.ts'), { RELAIS_DATA_DIR: dataDir }, ['--max-semi-space-size=8', ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : [])]);
  const [, { port }] = await Promise.all([gen.ready, server.ready]);
  const load = <T>(cmd: LoadCommand): Promise<T> => gen.ask<T>(cmd);
  const stats = (): Promise<ServerStats> => server.ask<ServerStats>({ type: 'stats' });

  // The dossier to export: 25 MB of PDFs and JPEGs (incompressible, like real scans and photos).
  const files: [string, Buffer][] = [
    ['Compte rendu 1.pdf', fakeFile('pdf', 6 * 1024 * 1024)],
    ['Compte rendu 2.pdf', fakeFile('pdf', 6 * 1024 * 1024)],
    ['Photo 1.jpg', fakeFile('jpeg', 6 * 1024 * 1024)],
    ['Photo 2.jpg', fakeFile('jpeg', 6 * 1024 * 1024)],
    ['Ordonnance.pdf', fakeFile('pdf', 1024 * 1024)],
  ];
  for (const [name, body] of files) {
    const res = await http(port!, 'POST', `/api/consultations/${exported}/documents?name=${encodeURIComponent(name)}`, exporter, body);
    if (res.status !== 201) throw new Error(`upload refused (${res.status})`);
  }
  // The other user: a signature image and a 300-page PDF to stamp.
  await http(port!, 'PUT', '/api/me/signature', signer, signaturePng());
  const uploaded = await http(port!, 'POST', `/api/consultations/${pdfs}/documents?name=Protocole.pdf`, signer, await samplePdf(300), true);
  const toStamp = (JSON.parse(uploaded.body.toString()) as { document: { id: string } }).document.id;
  // Warm: the first PDF starts the worker (after the change), the first export reads the blobs once.
  await http(port!, 'GET', `/api/consultations/${pdfs}/fiche.pdf`, signer);
  await http(port!, 'GET', `/api/consultations/${exported}/export.zip`, exporter);

  const target: Target = { kind: 'relais', port: port!, tokens: seeded.tokens.slice(2), texts: seeded.texts };
  await load({ type: 'connect', target, docs: docsA, perDoc: 10 });
  const runA = (): Promise<LoadResult> => load<LoadResult>({ type: 'load', rate, warmupMs: plan.warmup, measureMs: plan.measure, drainMs: plan.drain });

  await stats();
  const alone = await runA();
  const aloneLoop = (await stats()).loopDelayMax;
  console.log(`(g) (a) at ${rate} edits/s alone: p50 ${alone.p50.toFixed(1)} p99 ${alone.p99.toFixed(1)} ms, lost ${alone.lost}, server's longest stall ${aloneLoop.toFixed(0)} ms`);
  await sleep(1000);

  let running = true;
  const heavy = { exports: 0, exportMs: 0, pdfs: 0, stamps: 0 };
  const exporting = (async () => {
    while (running) {
      const t = performance.now();
      const res = await http(port!, 'GET', `/api/consultations/${exported}/export.zip`, exporter);
      if (res.status !== 200 || res.size < 25_000_000) throw new Error(`export failed (${res.status}, ${res.size} B)`);
      heavy.exports++;
      heavy.exportMs += performance.now() - t;
    }
  })();
  const signing = (async () => {
    while (running) {
      const pdf = await http(port!, 'GET', `/api/consultations/${pdfs}/fiche.pdf`, signer);
      if (pdf.status !== 200) throw new Error(`fiche PDF failed (${pdf.status})`);
      heavy.pdfs++;
      const stamp = await http(port!, 'POST', `/api/consultations/${pdfs}/documents/${toStamp}/stamp`, signer);
      if (stamp.status !== 201) throw new Error(`stamp failed (${stamp.status})`);
      heavy.stamps++;
    }
  })();
  await stats();
  const busy = await runA();
  const busyLoop = (await stats()).loopDelayMax;
  running = false;
  await Promise.all([exporting, signing]);
  const ratio = busy.p99 / alone.p99;
  console.log(
    `(g) (a) during exports and PDFs: p50 ${busy.p50.toFixed(1)} p99 ${busy.p99.toFixed(1)} ms (${ratio.toFixed(2)}× alone${ratio <= 1.5 ? '' : ' ✗ target 1.5×'}), lost ${busy.lost}, ` +
      `server's longest stall ${busyLoop.toFixed(0)} ms${busyLoop <= 50 ? '' : ' ✗ target 50 ms'}; ` +
      `${heavy.exports} exports of 25 MB (${heavy.exports ? Math.round(heavy.exportMs / heavy.exports) : '–'} ms each), ${heavy.pdfs} fiche PDFs, ${heavy.stamps} stamps of 300 pages`,
  );

  await load({ type: 'disconnect' });
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.send({ type: 'stop' });
  await exited;
  gen.child.kill();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    alone: { p99: alone.p99, p50: alone.p50, lost: alone.lost, loopDelayMax: aloneLoop },
    withHeavyWork: { p99: busy.p99, p50: busy.p50, lost: busy.lost, loopDelayMax: busyLoop, ...heavy },
    ratio,
    load: [loadBefore, loadavg()[0]!],
  };
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rate: { type: 'string' } } });
  await benchHeavyWork({ quick: values.quick, rate: values.rate ? Number(values.rate) : undefined });
}
