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
