/**
 * `npx tsx scripts/bench/profileTop.ts <file.cpuprofile> [--top 25]`: the functions with the most
 * self time in a V8 CPU profile (as written by `BENCH_CPU_PROF=<dir> npm run bench`), grouped by
 * function and file, with their share of the busy (non-idle) time. For the closing notes' "top
 * costs before and after". `--window <from>,<to>` keeps the samples between two monotonic clock
 * readings in µs (`process.hrtime.bigint() / 1000n` in any process of the machine: V8 stamps its
 * samples with the same clock), as (d') prints for its timed joins.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, window: { type: 'string' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: profileTop.ts <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;
const [fromUs, toUs] = values.window ? values.window.split(',').map(Number) : [-Infinity, Infinity];
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const node = byId.get(id)!;
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < fromUs! || at > toUs!) return;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)' || functionName === '(program)') {
    idleUs += functionName === '(idle)' ? dt : 0;
    if (functionName === '(idle)') return;
  }
  busyUs += dt;
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(sync-server|scripts)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
});
const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`busy ${(busyUs / 1e6).toFixed(1)} s, idle ${(idleUs / 1e6).toFixed(1)} s`);
for (const [key, us] of rows) console.log(`${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
