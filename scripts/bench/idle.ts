/**
 * Scenario (e) alone, for working on memory: `npx tsx scripts/bench/idle.ts [--docs 200]
 * [--per-doc 10] [--server relais]`. Same steps as `npm run bench` (fresh server process, idle
 * sockets, RSS after GC) without the minutes of (a)–(d); writes no report.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../sync-server/store/index.ts';
import { seedBench } from './seedLoad.ts';
import { SERVER_NODE_FLAGS } from '../../sync-server/nodeFlags.ts';
import type { LoadCommand } from './loadgen.ts';
import type { ServerKind, Target } from './protocol.ts';
import type { ServerStats } from './servers/ipc.ts';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '200' }, 'per-doc': { type: 'string', default: '10' }, server: { type: 'string', default: 'relais' } } });
const here = import.meta.dirname;
const files: Record<ServerKind, string> = { relais: 'relais.ts', ywebsocket: 'ywebsocket.ts', hocuspocus: 'hocuspocus.ts', relay: 'uwsRelay.ts' };

function peer(file: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []) {
  const child: ChildProcess = fork(join(here, file), [], { execArgv: ['--import', 'tsx', '--expose-gc', ...nodeFlags], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 1;
  const waiting = new Map<number, (v: unknown) => void>();
  const ready = new Promise<{ port?: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
    child.on('message', (msg: { type?: string; id?: number; result?: unknown; stats?: unknown; error?: string; port?: number }) => {
      if (msg.type === 'ready') resolve(msg);
      else if (msg.id !== undefined) {
        waiting.get(msg.id)?.(msg.error ? Promise.reject(new Error(msg.error)) : (msg.result ?? msg.stats));
        waiting.delete(msg.id);
      }
    });
  });
  const ask = <T>(msg: object): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = next++;
      waiting.set(id, resolve as (v: unknown) => void);
      child.send({ ...msg, id });
    });
  return { child, ready, ask };
}

/** Resident kB of the server process by kind of mapping: LMDB's file, other files, anonymous (heap, malloc). */
function residentByMapping(pid: number): Record<string, number> {
  const out: Record<string, number> = { lmdb: 0, files: 0, anonymous: 0 };
  let kindOfMapping = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) kindOfMapping = header[1]!.endsWith('data.mdb') ? 'lmdb' : header[1]!.startsWith('/') ? 'files' : 'anonymous';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kindOfMapping]! += Number(rss[1]);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const kind = values.server as ServerKind;
const docs = Number(values.docs);
const perDoc = Number(values['per-doc']);
const dataDir = mkdtempSync(join(tmpdir(), 'relais-idle-'));
const store = openStore(dataDir);
const seeded = await seedBench(store, 50, docs);
await store.close();
const gen = peer('loadgen.ts', {});
await gen.ready;
// As npm start runs it, unless BENCH_RELAIS_NODE_FLAGS (may be empty) says otherwise.
const relaisFlags = process.env.BENCH_RELAIS_NODE_FLAGS !== undefined ? process.env.BENCH_RELAIS_NODE_FLAGS.split(' ').filter(Boolean) : [...SERVER_NODE_FLAGS];
const nodeFlags = kind === 'relais' ? relaisFlags : [];
const server = peer(join('servers', files[kind]), { RELAIS_DATA_DIR: dataDir }, nodeFlags);
const port = (await server.ready).port!;
const target: Target = { kind, port, tokens: seeded.tokens, texts: kind === 'relais' ? seeded.texts : undefined };
await sleep(300);
const stats = () => server.ask<ServerStats>({ type: 'stats', gc: true });
const base = await stats();
const baseMaps = residentByMapping(server.child.pid!);
await gen.ask<unknown>({ type: 'connect', target, docs: seeded.docNames, perDoc } satisfies LoadCommand);
await sleep(Number(process.env.IDLE_WAIT_MS ?? 2000));
const full = await stats();
const fullMaps = residentByMapping(server.child.pid!);
const sockets = docs * perDoc;
await gen.ask<unknown>({ type: 'disconnect' } satisfies LoadCommand);
await sleep(1000);
const after = await stats();
console.log(
  `(e) ${kind}: ${sockets} sockets on ${docs} docs: ${((full.rss - base.rss) / sockets / 1024).toFixed(1)} kB RSS, ${((full.heapUsed - base.heapUsed) / sockets / 1024).toFixed(1)} kB heap per idle socket; extra ${JSON.stringify(full.extra)}; rooms after close ${after.extra.rooms ?? '-'}`,
);
console.log(`    resident growth by mapping, per socket: ${Object.keys(fullMaps).map((k) => `${k} ${((fullMaps[k]! - baseMaps[k]!) / sockets).toFixed(2)} kB`).join(', ')}`);
const perSocket = (a: number, b: number): string => `${((a - b) / sockets / 1024).toFixed(2)} kB`;
console.log(`    new space before ${(base.spaces.new_space! / 2 ** 20).toFixed(1)} MiB, with the sockets ${(full.spaces.new_space! / 2 ** 20).toFixed(1)} MiB`);
console.log(`    V8 committed ${perSocket(full.heapTotal, base.heapTotal)}, external ${perSocket(full.external, base.external)}; by space: ${Object.keys(full.spaces).map((k) => `${k} ${perSocket(full.spaces[k]!, base.spaces[k] ?? 0)}`).join(', ')}`);
server.child.send({ type: 'stop' });
gen.child.kill();
await new Promise((r) => server.child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
