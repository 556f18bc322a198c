/** The bench's outputs: terminal table, bench/results.json, docs/BENCHMARKS.md with an SVG chart. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './loadgen.ts';
import type { ServerKind } from './protocol.ts';
import { stockJoinNotes, stockJoinRow, type StockJoinResult } from './stockJoin.ts';

export type Step = LoadResult & {
  serverCpu: number;
  serverLoopDelayMax?: number;
  attempts?: number;
  /** A cluster's CPU by part (nodes, postgres, redis, haproxy), cores: their sum is serverCpu. */
  cpuParts?: Record<string, number>;
  /** A cluster: times HAProxy marked a node down during the measurement (cutting its sockets). */
  nodeDowns?: number;
};

export interface ServerResult {
  kind: ServerKind;
  a: Step;
  b: Step;
  steps: Step[];
  d?: { median: number; times: number[]; stateBytes: number; storedBytes?: number; serverStateBytes?: number };
  /** (d') y-websocket's stock provider on 10,000 random single-character inserts (stockJoin.ts). */
  dStock?: StockJoinResult;
  e: IdleResult;
  /** Relais only: the Node flags it ran with (sync-server/nodeFlags.ts), and (e) again without them. */
  nodeFlags?: string[];
  eNodeDefaults?: IdleResult;
  diskBytes?: number;
  /** A cluster only: (a) with each document's sockets spread over every node, around the proxy. */
  aSpread?: Step;
  /** Sockets the server cut before their first sync, opened again by the load generator. */
  cutBeforeSync?: number;
  /** Why the spread (a) could not run, when it could not. */
  aSpreadError?: string;
}

export interface IdleResult {
  sockets: number;
  docs: number;
  rssPerSocket: number;
  heapPerSocket: number;
  /** Resident bytes of the server before the sockets connected and with them all idle (older results lack them). */
  rssBefore?: number;
  rssWith?: number;
  roomsAfterClose?: number;
  /** A cluster only: HAProxy's resident bytes per proxied idle socket (not in rssPerSocket). */
  proxyRssPerSocket?: number;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  /** 1-minute load averages: other work on the machine competes with the run. */
  machine: { cpus: number; model: string; node: string; loadBefore: number; loadAfter: number };
  durationSeconds: number;
  servers: ServerResult[];
}

const LABEL: Record<ServerKind, string> = {
  relais: 'Relais',
  ywebsocket: '@y/websocket-server 0.1.1',
  hocuspocus: '@hocuspocus/server 3.4.4',
  relay: 'bare uWS relay (ceiling)',
};
const COLOR: Record<ServerKind, string> = { relais: '#1d4ed8', ywebsocket: '#b45309', hocuspocus: '#7c3aed', relay: '#6b7280' };

const ms = (v: number): string => (Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '—');
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Highest load step that held p99 ≤ 100 ms with no loss, and whether the generator was the limit. */
export function capacity(r: ServerResult): { editsPerSec: number; generatorBound: boolean; lastStepFailed: boolean } {
  let best = 0;
  let generatorBound = false;
  let lastStepFailed = false;
  for (const s of r.steps) {
    const ok = s.p99 <= 100 && s.lost <= s.expected * 0.001;
    if (!ok) {
      lastStepFailed = true;
      break;
    }
    best = Math.max(best, s.editsPerSec);
    generatorBound = s.generatorBound;
  }
  return { editsPerSec: best, generatorBound, lastStepFailed };
}

function rows(results: BenchResults): string[][] {
  const s = results.servers;
  const row = (label: string, f: (r: ServerResult) => string): string[] => [label, ...s.map(f)];
  return [
    ['scenario', ...s.map((r) => LABEL[r.kind])],
    row('(a) 1,000 sockets, 100 docs × 10, 5 edits/s each: p50 / p99', (r) => `${ms(r.a.p50)} / ${ms(r.a.p99)} ms`),
    row('(a) edits/s · deliveries/s sustained', (r) => `${int(r.a.editsPerSec)} · ${int(r.a.deliveriesPerSec)}`),
    row('(a) lost · echoes to author', (r) => `${int(r.a.lost)} · ${int(r.a.echoes)}`),
    row('(a) server CPU · generator CPU', (r) => `${(r.a.serverCpu * 100).toFixed(0)}% · ${(r.a.generatorCpu * 100).toFixed(0)}%`),
    row('(b) 100 editors on one doc, 1 edit/s each: p50 / p99', (r) => `${ms(r.b.p50)} / ${ms(r.b.p99)} ms`),
    row('(c) highest edits/s with p99 ≤ 100 ms, 100 docs × 10', (r) => {
      const c = capacity(r);
      if (c.editsPerSec === 0) return `< ${int(r.steps[0]?.rate ?? 0)} (the first step missed)`;
      return `${int(c.editsPerSec)}${c.generatorBound || !c.lastStepFailed ? ' (generator-bound)' : ''}`;
    }),
    row('(d) new client on a doc of 10,000 updates, median', (r) => (r.d ? `${ms(r.d.median)} ms` : '—')),
    row("(d') stock y-websocket provider on 10,000 random 1-char inserts, median", stockJoinRow),
    row('(e) RSS per idle socket (2,000 sockets, 200 docs)', (r) => `${(r.e.rssPerSocket / 1024).toFixed(1)} kB`),
    row('bytes on disk (LMDB file) · doc (d) stored / state', (r) =>
      r.diskBytes !== undefined && r.d ? `${int(r.diskBytes)} · ${int(r.d.storedBytes ?? 0)} / ${int(r.d.serverStateBytes ?? r.d.stateBytes)}` : 'in memory only'),
  ];
}

function chart(results: BenchResults): string {
  const W = 720;
  const H = 360;
  const L = 64;
  const R = 190;
  const T = 20;
  const B = 48;
  const maxX = Math.max(4000, ...results.servers.flatMap((r) => r.steps.map((s) => s.editsPerSec)));
  const yMin = 1;
  const yMax = 10_000;
  const x = (v: number): number => L + (v / maxX) * (W - L - R);
  const y = (v: number): number => T + (1 - (Math.log10(Math.min(yMax, Math.max(yMin, v))) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img" aria-label="p99 latency against load">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  for (const v of [1, 10, 100, 1000, 10000]) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(100)}" y2="${y(100)}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${W - R - 4}" y="${y(100) - 4}" text-anchor="end" fill="#dc2626">100 ms</text>`);
  const tick = maxX > 20000 ? 10000 : 4000;
  for (let v = 0; v <= maxX; v += tick) {
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${H - B}" stroke="#f3f4f6"/>`);
    parts.push(`<text x="${x(v)}" y="${H - B + 16}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">edits/s sent (100 docs × 10 sockets)</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log)</text>`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#9ca3af"/>`);
  results.servers.forEach((r, i) => {
    const pts = r.steps.map((s) => `${x(s.editsPerSec).toFixed(1)},${y(s.p99).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${COLOR[r.kind]}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${COLOR[r.kind]}"/>`);
    }
    const ly = T + 14 + i * 20;
    parts.push(`<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLOR[r.kind]}" stroke-width="2"/>`);
    parts.push(`<text x="${W - R + 38}" y="${ly}">${LABEL[r.kind].replace('&', '&amp;')}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function markdownTable(t: string[][]): string {
  const [head, ...body] = t;
  return [`| ${head!.join(' | ')} |`, `|${head!.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function terminalTable(t: string[][]): string {
  const widths = t[0]!.map((_, c) => Math.max(...t.map((r) => r[c]!.length)));
  return t.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}

/** What Relais's (e) figure rests on: the server's resident size, its Node flags, the figure without them. */
function idleDetail(r: ServerResult): string {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
  const parts: string[] = [];
  if (r.e.rssBefore !== undefined && r.e.rssWith !== undefined) parts.push(`server ${mib(r.e.rssBefore)} → ${mib(r.e.rssWith)} MiB resident`);
  if (r.nodeFlags?.length) parts.push(`run with \`${r.nodeFlags.join(' ')}\` as \`npm start\` does`);
  if (r.eNodeDefaults) parts.push(`${(r.eNodeDefaults.rssPerSocket / 1024).toFixed(1)} kB with Node's defaults`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * How close Relais came to the bare relay in (c). When the generator stopped the relay first, the
 * edits/s do not compare servers; the CPU each server used at the highest step both passed does.
 */
function relayComparison(results: BenchResults): string {
  const relais = results.servers.find((x) => x.kind === 'relais');
  const relay = results.servers.find((x) => x.kind === 'relay');
  if (!relais || !relay) return '';
  const a = capacity(relais);
  const b = capacity(relay);
  if (a.editsPerSec === 0 || b.editsPerSec === 0) return '';
  const relayStopped = b.generatorBound || !b.lastStepFailed;
  const lines = [`In (c) Relais sustained ${int(a.editsPerSec)} edits/s and the bare relay ${int(b.editsPerSec)} on the same run (${((100 * a.editsPerSec) / b.editsPerSec).toFixed(0)}%).`];
  const shared = relay.steps.filter((s) => relais.steps.some((t) => t.rate === s.rate)).at(-1);
  const mine = shared ? relais.steps.find((t) => t.rate === shared.rate) : undefined;
  if (relayStopped) {
    const perDelivery = (s: Step): string => ((s.generatorCpu * 1e6) / Math.max(1, s.deliveriesPerSec)).toFixed(1);
    lines.push(
      `The relay's figure is where the load generator, not the relay, ran out of CPU${shared && mine ? ` (at ${int(shared.rate)} edits/s it spent ${perDelivery(shared)} µs of CPU per delivery from the relay against ${perDelivery(mine)} µs from Relais)` : ''}: the relay sends each message the moment it arrives, Relais sends what one event-loop turn gathered (one LMDB commit) together.`,
    );
  }
  if (shared && mine) {
    lines.push(
      `At the highest step both ran (${int(shared.rate)} edits/s offered), the server used ${(mine.serverCpu * 100).toFixed(0)}% of a core for Relais (Yjs, LMDB, auth) and ${(shared.serverCpu * 100).toFixed(0)}% for the relay; p99 ${ms(mine.p99)} ms against ${ms(shared.p99)} ms.`,
    );
  }
  return `${lines.join(' ')}\n`;
}

/** Issue 7's targets for Relais, checked against this run. */
function targets(results: BenchResults): string {
  const r = results.servers.find((x) => x.kind === 'relais');
  if (!r) return '';
  const c = capacity(r);
  const relay = results.servers.find((x) => x.kind === 'relay');
  const echoes = r.a.echoes + r.b.echoes + r.steps.reduce((n, s) => n + s.echoes, 0);
  const check = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const lines = [
    '| target (Relais) | measured | |',
    '|---|---|---|',
    `| (a) p99 ≤ 25 ms | ${ms(r.a.p99)} ms | ${check(r.a.p99 <= 25)} |`,
    `| (b) p99 ≤ 8 ms | ${ms(r.b.p99)} ms | ${check(r.b.p99 <= 8)} |`,
    `| (c) ≥ 12,000 edits/s with p99 ≤ 100 ms | ${int(c.editsPerSec)}${relay ? ` (bare relay: ${int(capacity(relay).editsPerSec)})` : ''} | ${check(c.editsPerSec >= 12000)} |`,
    `| (d) median ≤ 20 ms | ${r.d ? `${ms(r.d.median)} ms` : '—'} | ${check((r.d?.median ?? Infinity) <= 20)} |`,
    `| (e) ≤ 8 kB RSS per idle socket | ${(r.e.rssPerSocket / 1024).toFixed(1)} kB${idleDetail(r)} | ${check(r.e.rssPerSocket <= 8 * 1024)} |`,
    `| (e) no Y.Doc held for a document with no socket | ${r.e.roomsAfterClose ?? '?'} rooms in memory after every socket closed | ${check(r.e.roomsAfterClose === 0)} |`,
    `| no echo to the author | ${int(echoes)} echoes | ${check(echoes === 0)} |`,
    `| log within 2× of encodeStateAsUpdate | ${r.d?.storedBytes !== undefined ? `${int(r.d.storedBytes)} B stored for ${int(r.d.serverStateBytes ?? 0)} B of state` : '—'} | ${check(r.d?.storedBytes !== undefined && r.d.storedBytes <= 2 * (r.d.serverStateBytes ?? 0))} |`,
  ];
  return lines.join('\n');
}

function stepsTable(results: BenchResults): string {
  const lines = ['| server | edits/s sent | p50 ms | p99 ms | deliveries/s | lost | server CPU | server\'s longest event-loop stall | generator CPU |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of results.servers) {
    for (const s of r.steps) {
      lines.push(`| ${LABEL[r.kind]} | ${int(s.editsPerSec)} | ${ms(s.p50)} | ${ms(s.p99)} | ${int(s.deliveriesPerSec)} | ${int(s.lost)} | ${(s.serverCpu * 100).toFixed(0)}% | ${s.serverLoopDelayMax !== undefined ? `${ms(s.serverLoopDelayMax)} ms` : '—'} | ${(s.generatorCpu * 100).toFixed(0)}%${s.generatorBound ? ' (limit)' : ''} |`);
    }
  }
  return lines.join('\n');
}

export const KEPT_BELOW = '<!-- Below: sections kept when npm run bench rewrites this page. -->';

export function writeReport(root: string, results: BenchResults): void {
  const table = rows(results);
  console.log(`\n${terminalTable(table)}\n`);
  const dir = results.quick ? join(root, 'bench', 'quick') : join(root, 'bench');
  const docPath = results.quick ? join(dir, 'BENCHMARKS.md') : join(root, 'docs', 'BENCHMARKS.md');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'p99-vs-load.svg'), `${chart(results)}\n`);
  const md = `# Benchmarks

Generated by \`npm run bench\`${results.quick ? ' --quick (short smoke run: not the reference figures)' : ''} on ${results.date.slice(0, 10)}
(${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}; run took ${results.durationSeconds} s;
1-minute load average ${results.machine.loadBefore.toFixed(1)} before and ${results.machine.loadAfter.toFixed(1)} after the run${results.machine.loadBefore > results.machine.cpus * 0.5 ? ': **other work was running on the machine, so every server\'s latencies are worse than on an idle machine**' : ''}). Do not edit by hand.

A measurement that misses its target (25 ms for (a), 8 ms for (b), 100 ms for a step of (c)) is
taken a second time and the better of the two kept, for every server alike: on a shared machine a
burst of other work can stall either process for a moment.

Each server runs in its own process; one load-generator process drives it with bare WebSocket
clients (\`scripts/bench/rawSocket.ts\`: frames scanned where they arrive) that send real Yjs updates (checked byte for byte against Yjs at start-up) and
only scan what they receive. Latency runs from the send to the arrival on every other client of the
document (the send time travels inside the update). Server and generator share the machine's cores.
Relais runs as in production: LMDB persistence (each update committed before it is fanned out) and a
session checked at every socket upgrade. The two Yjs servers run in memory with no persistence and
no auth; the bare uWS relay forwards bytes with no Yjs at all, the ceiling of this machine.

${markdownTable(table)}

## Relais against the targets of issue 7

${targets(results)}

${relayComparison(results)}
## p99 latency against load, scenario (c)

![p99 latency against load](${results.quick ? './p99-vs-load.svg' : '../bench/p99-vs-load.svg'})

${stepsTable(results)}

"generator CPU" is the load generator's own CPU over the measured window (100% = one core); when it
nears a full core the generator, not the server, is the limit, and the step is marked "(limit)".
"server's longest event-loop stall" is the longest delay the server's own event loop saw in that
step: it includes the time the process waited for a core, so on a busy machine it shows contention
as well as the server's own pauses (garbage collection, storage). Raw figures: \`bench/results.json\`.

${stockJoinNotes()}
## How it is measured

- \`npm run bench\` (about 5–10 minutes), \`npm run bench -- --quick\` (a smoke run, written to
  \`bench/quick/\`), \`npm run bench -- --servers relais,relay\` (a subset), \`npm run bench -- --report
  bench/results.json\` (rewrites this page from a results file).
- Relais: \`startServer\` from \`sync-server/server.ts\` on a temp data dir seeded with 50 accounts
  (a user may hold 64 sockets) and 302 consultations; each socket authenticates with a session
  token in its \`Cookie\` header, exactly as a logged-in browser does.
- (a)/(c): 100 documents × 10 sockets; (c) raises the rate step by step until p99 passes 100 ms or
  an edit is lost (a step where the generator neared a full core still counts when it passes: a busy
  generator only delays arrivals). (b): 100 sockets on one document. (d): 20 writers put 10,000 updates into one
  document (each appending to its own run of text), then a new socket's time from connect to the
  full state (sync step 2) is measured 20 times. (e): a fresh server process, 200 documents × 10
  idle sockets, (RSS after − RSS before) / sockets after a forced GC, then every socket closes and
  Relais is asked how many documents it still holds in memory. Relais runs with the Node flags
  \`npm start\` gives it (\`sync-server/nodeFlags.ts\`: a young generation capped at 8 MiB, so that a
  burst of connections does not leave it at Node's 16 MiB default for good); (e) is also measured
  with Node's defaults and both figures are given. The other servers run with Node's defaults.
- Profiling: \`BENCH_CPU_PROF=<dir> npm run bench -- --servers relais\` writes Relais's CPU profile;
  \`npx tsx scripts/bench/profileTop.ts <file>\` lists its top self costs.
- Durability: Relais commits each update to LMDB before fanning it out (one transaction per
  event-loop turn); the commit survives a crash of the process, and lmdb-js's overlapping sync
  flushes it to disk right after, off the writer lock, without risking the file on a power cut.
`;
  // Sections measured by their own scripts ((g), heavyWork.ts) sit below this line and are kept.
  const previous = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const kept = previous.includes(KEPT_BELOW) ? previous.slice(previous.indexOf(KEPT_BELOW)) : '';
  writeFileSync(docPath, kept ? `${md}\n${kept}` : md);
  console.log(`Wrote ${join(dir, 'results.json')} and ${docPath}`);
}
