/**
 * Scenario (d'), issue 13 point 2: y-websocket's stock provider (stockClient.ts) joining a document
 * that holds 10,000 single-character inserts at random positions (about 270 kB of state, every
 * insert its own item), the room already open (the writers stay connected). The orchestrator's side:
 * run.ts calls `stockJoin`, report.ts shows `stockJoinRow`.
 */
import type { StockCommand, StockJoinTimes } from './stockClient.ts';
import type { Target } from './protocol.ts';

export interface StockJoinResult {
  /** Construction of the provider → its `sync` event, median and each. */
  median: number;
  times: number[];
  /** Construction → arrival of sync step 2 (before the client applies it), median and each. */
  arrivalMedian: number;
  arrivals: number[];
  stateBytes: number;
  textLength: number;
  inserts: number;
  /** The server's CPU time (user + system) over the timed joins, per join. */
  serverCpuMsPerJoin: number;
  /** The timed joins' span on the monotonic clock (µs): `profileTop.ts --window`. */
  window: [number, number];
}

interface StockClient {
  ask<T>(msg: StockCommand): Promise<T>;
}

export const STOCK_JOIN = { writers: 20, inserts: 10_000, rate: 2_000 } as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function stockJoin(client: StockClient, target: Target, docName: string, joins: number, serverCpuMs: () => Promise<number>): Promise<StockJoinResult> {
  await client.ask({ type: 'fill', target, docName, ...STOCK_JOIN });
  await new Promise((r) => setTimeout(r, 500));
  // One join first, untimed, so that every server is measured warm (its code paths compiled).
  await client.ask({ type: 'join', target, docName, times: 1 });
  const cpuBefore = await serverCpuMs();
  const r = await client.ask<StockJoinTimes>({ type: 'join', target, docName, times: joins });
  const serverCpuMsPerJoin = ((await serverCpuMs()) - cpuBefore) / joins;
  await client.ask({ type: 'close' });
  const result: StockJoinResult = { median: median(r.times), times: r.times, arrivalMedian: median(r.arrivals), arrivals: r.arrivals, stateBytes: r.stateBytes, textLength: r.textLength, inserts: STOCK_JOIN.inserts, serverCpuMsPerJoin, window: r.window };
  console.log(`(d') stock provider: median ${result.median.toFixed(1)} ms (step 2 arrived at ${result.arrivalMedian.toFixed(1)} ms; server CPU ${serverCpuMsPerJoin.toFixed(1)} ms per join; state ${result.stateBytes} B, text ${result.textLength} chars; joins between ${r.window.join(',')} µs)`);
  return result;
}

export function stockJoinRow(r: { dStock?: StockJoinResult }): string {
  const d = r.dStock;
  return d ? `${d.median.toFixed(1)} ms (step 2 in at ${d.arrivalMedian.toFixed(1)}; server CPU ${d.serverCpuMsPerJoin?.toFixed(1) ?? '?'} ms/join)` : '—';
}

/**
 * The section of docs/BENCHMARKS.md on (d'): how it runs, and what the profiles behind issue 13's
 * changes showed (figures of the runs that chose them, on a shared and loaded machine).
 */
export function stockJoinNotes(): string {
  return `## (d') a stock provider joining a large document

\`npm run bench -- --quick --servers relais,ywebsocket --only d\` runs (d) and (d') alone (figures
printed and kept in \`bench/only/results.json\`; \`BENCH_STOCK_JOINS=<n>\` sets the number of joins).
20 stock \`WebsocketProvider\`s (\`y-websocket\` 3.1.0 in Node, the \`ws\` package as WebSocket, the
session cookie in the upgrade's headers as a browser sends it; BroadcastChannel off so that they
meet only through the server) type 10,000 single characters at random positions (one transaction
each, 2,000/s in all) into the dossier's «motif» field on Relais, a root Y.Text elsewhere: about
150 kB of state, every character its own item (issue 13 quoted about 270 kB for the document it
measured, filled some other way). They stay connected; a new provider then joins again
and again, timed from its construction to its \`sync\` event (\`scripts/bench/stockClient.ts\`). Also
given: when sync step 2 arrived (before the client applies it: the server's part and the network)
and the server's CPU time per join.

Issue 13 found Relais slower here than \`@y/websocket-server\`. The server's CPU profile over the
timed joins alone (\`BENCH_CPU_PROF=<dir> BENCH_STOCK_JOINS=100 npm run bench -- --quick --servers
relais --only d\`, then \`npx tsx scripts/bench/profileTop.ts <file> --window <from>,<to>\` with the
span (d') prints), 100 joins:

| | before | after |
|---|---|---|
| busy time per join (JS, main thread) | 14 ms | 2 ms |
| encoding the state for step 2 (\`encodeWithoutPending\`: Yjs \`write\`, \`writeStructs\`, \`writeVarUint\`, \`encodeInto\`) | 9.1 ms | 0 (kept message) |
| the upgrade (session, access, audit) | 2.4 ms, of which 1.5 ms \`docs.exists\` → lmdb \`getBinaryFast\` | 0.8 ms |
| sending step 2 through uWS (\`send\`) | 0.8 ms | 0.1 ms |
| top self entries | \`write\` 27%, \`writeStructs\` 14%, \`writeVarUint\` 14%, \`getBinaryFast\` 14%, \`send\` 6% | lmdb \`startWriting\` 15% (the audit's \`dossier.open\`), \`getBinaryFast\` 12%, \`RoomRegistry.leave\` 10%, \`send\` 7%, \`ownAwareness\` 5% |

What each change bought:
- **The sync step 2 of a client holding nothing is kept** (\`Room.step2For\`), for a document whose
  message is 32 kB or more, until a transaction adds or deletes structs (a newcomer's empty step 2
  does not count). Yjs spent about 9 ms encoding 10,000 items at every join; now once per change.
  A client that already holds part of the document (a station with its IndexedDB copy) still gets
  its diff encoded.
- **Existing documents are remembered** (\`LmdbDocStore.exists\`): the upgrade's check that the
  dossier exists read the snapshot, and in the encrypted environment the first read after any write
  decrypts the whole value: 1.5–2 ms for a 155 kB snapshot (a key-only cursor costs the same: the
  page is decrypted either way).
- Evaluated, not kept: letting the upgrade count as the session's use, so that the socket's first
  message does not read the session again (0.25 ms, in the "after" profile and runs above and
  below): a test simulates 12 idle hours by rewriting the session's last use, which only the first
  message's touch then sees; sending step 2 with step 1 unasked (\`@y/websocket-server\` 0.1.1 does not
  either; the server does not know what a reconnecting client holds, and step 2 now leaves about
  3 ms after the provider is constructed); corking (uWS already corks sends made inside its
  handlers); \`encodeWithoutPending\`'s own cost (none: all of it is Yjs's encoding); compression
  (deflate of the 155 kB state costs 4.7 ms at level 1 for 68 kB, on every send: slower on a local
  network, kept off as before).

Before/after, the same bench alternating the two versions of the server files, \`--quick\`,
\`BENCH_STOCK_JOINS=20\`, load average 8–12 on 2 cores (**provisional**: the machine was shared):

| run | Relais: join median · step 2 in · server CPU per join | @y/websocket-server: the same |
|---|---|---|
| before 1 | 82.7 ms · 31.6 ms · 14.3 ms | 78.1 ms · 25.0 ms · 11.9 ms |
| before 2 | 44.5 ms · 17.0 ms · 11.8 ms | 43.0 ms · 16.2 ms · 16.0 ms |
| after 1 | 23.5 ms · 3.4 ms · 3.3 ms | 50.9 ms · 10.2 ms · 10.1 ms |
| after 2 | 20.9 ms · 3.1 ms · 2.9 ms | 86.0 ms · 21.7 ms · 12.2 ms |
| as committed (session touch back), load 4 | 19.3 ms · 3.8 ms · 3.0 ms | 40.7 ms · 15.2 ms · 9.9 ms |

The rest of a join is the client applying 150 kB of state (about 20 ms on this machine, more when
it is loaded), the same work whichever server sent it.
`;
}
