/**
 * The clients of scenario (d'), a process of its own: y-websocket's stock `WebsocketProvider` in
 * Node with the `ws` package as its WebSocket, as a user's script would run it. Writers fill a
 * document with single-character inserts at random positions and stay connected; then a new
 * provider joins, again and again, timed from its construction to its `sync` event.
 * Driven by the orchestrator (stockJoin.ts) over IPC.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { socketHeaders, type Target } from './protocol.ts';

export type StockCommand =
  | { type: 'fill'; target: Target; docName: string; writers: number; inserts: number; rate: number }
  | { type: 'join'; target: Target; docName: string; times: number }
  | { type: 'close' };

export interface StockJoinTimes {
  /** Construction of the provider → its `sync` event (the document is usable). */
  times: number[];
  /** Construction → arrival of the server's sync step 2, before the client applies it. */
  arrivals: number[];
  stateBytes: number;
  textLength: number;
  /** Monotonic clock (µs) at the first join's start and the last's end: profileTop.ts --window. */
  window: [number, number];
}

const writers: { provider: WebsocketProvider; doc: Y.Doc }[] = [];

/** The `ws` WebSocket, carrying the session cookie a browser would send (Relais reads no token elsewhere). */
function socketClass(target: Target, clientIndex: number, onMessage?: () => void): typeof WebSocket {
  const headers = socketHeaders(target, clientIndex);
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
      // Registered before the provider's onmessage, so it runs first: the arrival time.
      if (onMessage) this.addEventListener('message', onMessage);
    }
  } as typeof WebSocket;
}

function serverUrl(target: Target): string {
  return target.kind === 'relais' ? `ws://127.0.0.1:${target.port}/sync` : `ws://127.0.0.1:${target.port}`;
}

/** Where the writers type: the dossier's «motif» field on Relais, a root text elsewhere. */
function textOf(target: Target, doc: Y.Doc): Y.Text {
  if (target.kind !== 'relais') return doc.getText('t');
  const text = doc.getMap('fiche').get('motif');
  if (!(text instanceof Y.Text)) throw new Error('the dossier has no «motif» field');
  return text;
}

function provider(target: Target, docName: string, doc: Y.Doc, clientIndex: number, onMessage?: () => void): WebsocketProvider {
  // disableBc: providers in one process would otherwise sync with each other over
  // BroadcastChannel, not through the server.
  return new WebsocketProvider(serverUrl(target), docName, doc, { WebSocketPolyfill: socketClass(target, clientIndex, onMessage) as never, disableBc: true });
}

const synced = (p: WebsocketProvider): Promise<void> => new Promise((resolve) => (p.synced ? resolve() : p.once('sync', () => resolve())));

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function fill(cmd: Extract<StockCommand, { type: 'fill' }>): Promise<{ textLength: number }> {
  for (let i = 0; i < cmd.writers; i++) {
    const doc = new Y.Doc();
    writers.push({ doc, provider: provider(cmd.target, cmd.docName, doc, i) });
  }
  await Promise.all(writers.map((w) => synced(w.provider)));
  const before = textOf(cmd.target, writers[0]!.doc).length;
  // One insert per transaction (one update, one message), round-robin over the writers, at `rate`
  // per second in total: each writer stays under Relais's per-socket message rate.
  const start = performance.now();
  let done = 0;
  while (done < cmd.inserts) {
    const due = Math.min(cmd.inserts, Math.floor(((performance.now() - start) * cmd.rate) / 1000));
    for (; done < due; done++) {
      const text = textOf(cmd.target, writers[done % writers.length]!.doc);
      text.insert(Math.floor(Math.random() * (text.length + 1)), String.fromCharCode(97 + (done % 26)));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const expected = before + cmd.inserts;
  await waitUntil(() => writers.every((w) => textOf(cmd.target, w.doc).length === expected), 60_000, 'writers converge');
  return { textLength: expected };
}

async function join(cmd: Extract<StockCommand, { type: 'join' }>): Promise<StockJoinTimes> {
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const out: StockJoinTimes = { times: [], arrivals: [], stateBytes: 0, textLength: 0, window: [nowUs(), 0] };
  for (let i = 0; i < cmd.times; i++) {
    const doc = new Y.Doc();
    let lastArrival = 0;
    const start = performance.now();
    let syncedAt = 0;
    const p = provider(cmd.target, cmd.docName, doc, writers.length + i, () => (lastArrival = performance.now()));
    // Read in the event itself: the provider fires it right after applying sync step 2.
    p.once('sync', () => (syncedAt = performance.now()));
    await synced(p);
    out.times.push(syncedAt - start);
    out.arrivals.push(lastArrival - start);
    out.stateBytes = Y.encodeStateAsUpdate(doc).byteLength;
    out.textLength = textOf(cmd.target, doc).length;
    p.destroy();
    doc.destroy();
    await new Promise((r) => setTimeout(r, 50));
  }
  out.window[1] = nowUs();
  return out;
}

process.on('message', (msg: StockCommand & { id: number }) => {
  const run = async (): Promise<unknown> => {
    switch (msg.type) {
      case 'fill':
        return fill(msg);
      case 'join':
        return join(msg);
      case 'close':
        for (const w of writers.splice(0)) {
          w.provider.destroy();
          w.doc.destroy();
        }
        return null;
    }
  };
  run().then(
    (result) => process.send?.({ id: msg.id, result }),
    (error: unknown) => process.send?.({ id: msg.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.send?.({ type: 'ready' });
