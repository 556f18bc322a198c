/**
 * The load generator, a process of its own: lightweight WebSocket clients (rawSocket.ts) that send
 * real Yjs updates (see yupdate.ts) and only scan what they receive. Latency is measured from the send to
 * the arrival on every other client of the document; the send time travels inside the update.
 * Driven by the orchestrator over IPC (LoadCommand → reply with the same id).
 */
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import { RawWebSocket } from './rawSocket.ts';
import { checkAgainstYjs, encodeInsert, parseInsert } from './yupdate.ts';
import { emptyStep2, frameUpdate, openingMessages, socketHeaders, socketUrl, SyncStep, type Target } from './protocol.ts';

export type LoadCommand =
  | { type: 'connect'; target: Target; docs: string[]; perDoc: number }
  | { type: 'load'; rate: number; warmupMs: number; measureMs: number; drainMs: number; onlyDoc?: string; writersPerDoc?: number }
  | { type: 'send'; count: number; rate: number }
  | { type: 'join'; target: Target; docName: string; times: number }
  | { type: 'disconnect' };

export interface LoadResult {
  rate: number;
  seconds: number;
  sent: number;
  expected: number;
  received: number;
  lost: number;
  echoes: number;
  p50: number;
  p99: number;
  max: number;
  editsPerSec: number;
  deliveriesPerSec: number;
  generatorCpu: number;
  generatorBound: boolean;
}

interface Client {
  ws: RawWebSocket;
  url: string;
  headers: Record<string, string>;
  docName: string;
  doc: number;
  id: number;
  clock: number;
  synced: boolean;
}

let target: Target | null = null;
let clients: Client[] = [];
/** Clients per document, to count expected deliveries. */
let perDocCount = new Map<number, number>();
let window = { from: Infinity, to: -Infinity };
let latencies: number[] = [];
let receivedInWindow = 0;
let echoes = 0;

const nowUs = (): number => Math.round(performance.now() * 1000);

function onMessage(client: Client, data: Uint8Array): void {
  const d = decoding.createDecoder(data);
  if (target!.kind === 'hocuspocus') decoding.readVarString(d);
  if (decoding.readVarUint(d) !== 0) return; // awareness, auth, sync status: not ours to time
  const step = decoding.readVarUint(d);
  if (step === SyncStep.Step1) {
    client.ws.send(emptyStep2(target!.kind, client.docName));
    return;
  }
  if (step === SyncStep.Step2 && !client.synced) {
    client.synced = true;
    return;
  }
  decoding.readVarUint(d); // payload length
  const insert = parseInsert(d);
  if (!insert) return;
  if (insert.client === client.id) {
    echoes++;
    return;
  }
  const sentAt = Number(insert.text);
  if (sentAt >= window.from && sentAt <= window.to) {
    receivedInWindow++;
    latencies.push((nowUs() - sentAt) / 1000);
  }
}

async function open(url: string, headers: Record<string, string>, docName: string, doc: number): Promise<Client> {
  const client = { docName, url, headers, doc, id: 1 + Math.floor(Math.random() * 0x3fffffff), clock: 0, synced: target!.kind === 'relay' } as Client;
  client.ws = new RawWebSocket(url, (data) => onMessage(client, data), headers);
  await client.ws.opened;
  for (const m of openingMessages(target!.kind, docName)) client.ws.send(m);
  return client;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function connect(cmd: Extract<LoadCommand, { type: 'connect' }>): Promise<{ ms: number; clients: number; cutBeforeSync: number }> {
  target = cmd.target;
  const start = performance.now();
  const specs: { docName: string; doc: number }[] = [];
  for (let k = 0; k < cmd.perDoc; k++) cmd.docs.forEach((docName, doc) => specs.push({ docName, doc }));
  // Interleaved by document, so a round-robin over `clients` spreads sends across documents.
  for (let i = 0; i < specs.length; i += 100) {
    const batch = specs.slice(i, i + 100).map((s, j) => open(socketUrl(cmd.target, s.docName, i + j), socketHeaders(cmd.target, i + j), s.docName, s.doc));
    clients.push(...(await Promise.all(batch)));
  }
  perDocCount = new Map();
  for (const c of clients) perDocCount.set(c.doc, (perDocCount.get(c.doc) ?? 0) + 1);
  // A socket the server cuts before its first sync is opened again, as a provider reconnects (up
  // to 3 rounds); how many is returned, so that the report says it.
  let cutBeforeSync = 0;
  for (let round = 0; ; round++) {
    const settled = await waitUntil(() => clients.every((c) => c.synced || c.ws.closed), 30_000);
    const cut = clients.filter((c) => !c.synced && c.ws.closed);
    if (settled && cut.length === 0) break;
    if (!settled || round >= 3) {
      const late = clients.filter((c) => !c.synced);
      throw new Error(`clients did not sync: ${late.length} of ${clients.length}, on ${new Set(late.map((c) => c.docName)).size} documents, ${late.filter((c) => c.ws.closed).length} closed (${[...new Set(late.map((c) => c.ws.closedWith).filter(Boolean))].join(', ') || 'no close frame'}; ports ${[...new Set(late.map((c) => new URL(c.url).port))].join(', ')})`);
    }
    cutBeforeSync += cut.length;
    for (const c of cut) clients[clients.indexOf(c)] = await open(c.url, c.headers, c.docName, c.doc);
  }
  return { ms: performance.now() - start, clients: clients.length, cutBeforeSync };
}

/** Returns the send time written into the update, in µs. */
function sendOne(client: Client): number {
  const sentAt = nowUs();
  const text = String(sentAt);
  client.ws.send(frameUpdate(target!.kind, client.docName, encodeInsert(client.id, client.clock, text, target!.texts?.[client.docName] ?? null)));
  client.clock += text.length;
  return sentAt;
}

/** Sends at `rate` edits/s, round-robin over `writers`, until `stopAt`. */
function drive(writers: Client[], rate: number, stopAt: number, onSend: (c: Client, sentAtUs: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(Math.floor(((now - start) * rate) / 1000), Math.floor(((stopAt - start) * rate) / 1000)) - sent;
      for (let i = 0; i < due; i++) {
        const c = writers[next]!;
        next = (next + 1) % writers.length;
        onSend(c, sendOne(c));
        sent++;
      }
      if (now >= stopAt) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(cmd: Extract<LoadCommand, { type: 'load' }>): Promise<LoadResult> {
  let writers = cmd.onlyDoc ? clients.filter((c) => c.docName === cmd.onlyDoc) : clients;
  if (cmd.writersPerDoc !== undefined) {
    const seen = new Map<number, number>();
    writers = writers.filter((c) => {
      const n = seen.get(c.doc) ?? 0;
      seen.set(c.doc, n + 1);
      return n < cmd.writersPerDoc!;
    });
  }
  latencies = [];
  receivedInWindow = 0;
  echoes = 0;
  const t0 = performance.now();
  const measureFrom = t0 + cmd.warmupMs;
  const measureTo = measureFrom + cmd.measureMs;
  window = { from: Math.round(measureFrom * 1000), to: Math.round(measureTo * 1000) };
  let sent = 0;
  let expected = 0;
  let cpuStart = process.cpuUsage();
  let cpuArmed = false;
  await drive(writers, cmd.rate, measureTo, (c, sentAtUs) => {
    // The same test as the receivers': by the send time carried in the update.
    const inWindow = sentAtUs >= window.from && sentAtUs <= window.to;
    if (!cpuArmed && inWindow) {
      cpuStart = process.cpuUsage();
      cpuArmed = true;
    }
    if (inWindow) {
      sent++;
      expected += (perDocCount.get(c.doc) ?? 1) - 1;
    }
  });
  const cpu = process.cpuUsage(cpuStart);
  const generatorCpu = (cpu.user + cpu.system) / 1000 / cmd.measureMs;
  await waitUntil(() => receivedInWindow >= expected, cmd.drainMs);
  window = { from: Infinity, to: -Infinity };
  const sorted = latencies.sort((a, b) => a - b);
  const seconds = cmd.measureMs / 1000;
  return {
    rate: cmd.rate,
    seconds,
    sent,
    expected,
    received: receivedInWindow,
    lost: Math.max(0, expected - receivedInWindow),
    echoes,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    editsPerSec: sent / seconds,
    deliveriesPerSec: receivedInWindow / seconds,
    generatorCpu,
    generatorBound: generatorCpu > 0.85,
  };
}

/** Fills documents with `count` updates in total, then waits until every other client has them. */
async function send(cmd: Extract<LoadCommand, { type: 'send' }>): Promise<{ sent: number }> {
  const ms = (cmd.count / cmd.rate) * 1000;
  const r = await load({ type: 'load', rate: cmd.rate, warmupMs: 0, measureMs: ms + 5, drainMs: 30_000 });
  return { sent: r.sent };
}

/** Time from opening a new socket to holding the document's full state (sync step 2). */
async function join(cmd: Extract<LoadCommand, { type: 'join' }>): Promise<{ times: number[]; stateBytes: number }> {
  target = cmd.target;
  const times: number[] = [];
  let stateBytes = 0;
  for (let i = 0; i < cmd.times; i++) {
    const start = performance.now();
    const ws = new WebSocket(socketUrl(cmd.target, cmd.docName), { perMessageDeflate: false, headers: socketHeaders(cmd.target, i) });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const d = decoding.createDecoder(data);
        if (cmd.target.kind === 'hocuspocus') decoding.readVarString(d);
        if (decoding.readVarUint(d) !== 0) return;
        const step = decoding.readVarUint(d);
        if (step === SyncStep.Step1) ws.send(emptyStep2(cmd.target.kind, cmd.docName));
        else if (step === SyncStep.Step2) {
          stateBytes = decoding.readVarUint8Array(d).byteLength;
          times.push(performance.now() - start);
          resolve();
        }
      });
      ws.once('open', () => {
        for (const m of openingMessages(cmd.target.kind, cmd.docName)) ws.send(m);
      });
      ws.once('error', reject);
    });
    ws.close();
    await new Promise((r) => setTimeout(r, 50));
  }
  return { times, stateBytes };
}

async function disconnect(): Promise<void> {
  for (const c of clients) c.ws.close();
  await waitUntil(() => clients.every((c) => c.ws.closed), 10_000);
  clients = [];
}

checkAgainstYjs();
process.on('message', (msg: LoadCommand & { id: number }) => {
  const run = async (): Promise<unknown> => {
    switch (msg.type) {
      case 'connect':
        return connect(msg);
      case 'load':
        return load(msg);
      case 'send':
        return send(msg);
      case 'join':
        return join(msg);
      case 'disconnect':
        return disconnect();
    }
  };
  run().then(
    (result) => process.send?.({ id: msg.id, result }),
    (error: unknown) => process.send?.({ id: msg.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.send?.({ type: 'ready' });
