/**
 * Hostile y-protocols messages for the sync server's fault tests (issue 7): random bytes, wrong
 * message types, truncated varints, huge declared lengths, updates whose structs reference ones
 * the server never saw, and byte-level mutations of those. None of them may add content to a
 * stored document: an update is always built on a missing struct, so it can never integrate.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { MessageType, SyncStep, encodeAwareness, encodeSyncUpdate } from '../sync/protocol.ts';
import { ficheField } from './ficheField.ts';
import { sessionHeaders } from './harness.ts';

export type FuzzKind = 'random' | 'wrongType' | 'truncatedVarint' | 'hugeLength' | 'missingStructs' | 'mutated' | 'badAwareness' | 'trailing';
const KINDS: FuzzKind[] = ['random', 'wrongType', 'truncatedVarint', 'hugeLength', 'missingStructs', 'mutated', 'badAwareness', 'trailing'];

const randomBytes = (rand: () => number, n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

/** An update from a fresh client whose first struct (clock 0) is withheld: it stays pending forever. */
function danglingUpdate(rand: () => number): Uint8Array {
  const doc = new Y.Doc();
  // Far from the ids real clients draw, so that no well-behaved client can ever fill the gap.
  doc.clientID = 0x7f000000 + Math.floor(rand() * 0xffffff);
  const text = doc.getText(rand() < 0.5 ? 'examenClinique' : 'fuzz');
  text.insert(0, 'a');
  let second: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (second ??= u));
  text.insert(1, 'b'.repeat(1 + Math.floor(rand() * 20)));
  doc.destroy();
  return second!;
}

function mutate(rand: () => number, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * out.length);
    const op = rand();
    if (op < 0.4) out[at] = Math.floor(rand() * 256);
    else if (op < 0.6) out.splice(at, 1);
    else if (op < 0.8) out.splice(at, 0, Math.floor(rand() * 256));
    else out.length = Math.max(1, at);
  }
  return Uint8Array.from(out);
}

export function fuzzMessage(rand: () => number): { kind: FuzzKind; bytes: Uint8Array } {
  const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
  const e = encoding.createEncoder();
  switch (kind) {
    case 'random':
      return { kind, bytes: randomBytes(rand, Math.floor(rand() * 80)) };
    case 'wrongType':
      encoding.writeVarUint(e, 4 + Math.floor(rand() * 100_000));
      encoding.writeUint8Array(e, randomBytes(rand, Math.floor(rand() * 20)));
      return { kind, bytes: encoding.toUint8Array(e) };
    case 'truncatedVarint': {
      // A varint whose continuation bit promises more bytes than the message holds.
      const prefix = rand() < 0.5 ? [] : [MessageType.Sync, rand() < 0.5 ? SyncStep.Update : SyncStep.Step1];
      return { kind, bytes: Uint8Array.from([...prefix, ...Array.from({ length: 1 + Math.floor(rand() * 9) }, () => 0x80 | Math.floor(rand() * 128))]) };
    }
    case 'hugeLength':
      encoding.writeVarUint(e, rand() < 0.7 ? MessageType.Sync : MessageType.Awareness);
      if (rand() < 0.7) encoding.writeVarUint(e, SyncStep.Update);
      encoding.writeVarUint(e, rand() < 0.5 ? 0xffffffff : 1_000_000 + Math.floor(rand() * 2 ** 30));
      encoding.writeUint8Array(e, randomBytes(rand, Math.floor(rand() * 30)));
      return { kind, bytes: encoding.toUint8Array(e) };
    case 'missingStructs': {
      const update = danglingUpdate(rand);
      encoding.writeVarUint(e, MessageType.Sync);
      encoding.writeVarUint(e, rand() < 0.5 ? SyncStep.Update : SyncStep.Step2);
      encoding.writeVarUint8Array(e, update);
      return { kind, bytes: encoding.toUint8Array(e) };
    }
    case 'mutated':
      return { kind, bytes: mutate(rand, encodeSyncUpdate(danglingUpdate(rand))) };
    case 'badAwareness':
      return { kind, bytes: encodeAwareness(rand() < 0.5 ? randomBytes(rand, Math.floor(rand() * 40)) : mutate(rand, Uint8Array.from([1, 5, 1, 2, 123, 125]))) };
    case 'trailing':
      return { kind, bytes: Uint8Array.from([...encodeSyncUpdate(danglingUpdate(rand)), ...randomBytes(rand, 1 + Math.floor(rand() * 8))]) };
  }
}

export interface FuzzFigures {
  sent: number;
  byKind: Record<string, number>;
  /** Close code → how many fuzzing sockets the server closed with it. */
  closes: Record<string, number>;
}

/**
 * Sends fuzz messages on raw sockets to `url`, opened with session `token`, until `count` are
 * sent or `untilMs` passes; a socket the server closed is replaced by a new one.
 */
export async function runFuzzer(url: string, token: string, rand: () => number, count: number, untilMs = Number.POSITIVE_INFINITY): Promise<FuzzFigures> {
  const figures: FuzzFigures = { sent: 0, byKind: {}, closes: {} };
  let ws: WebSocket | null = null;
  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const s = new WebSocket(url, { headers: sessionHeaders(token) });
      s.on('close', (code) => (figures.closes[code] = (figures.closes[code] ?? 0) + 1));
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
  while (figures.sent < count && Date.now() < untilMs) {
    if (!ws || ws.readyState !== WebSocket.OPEN) ws = await open();
    const { kind, bytes } = fuzzMessage(rand);
    ws.send(bytes);
    figures.sent++;
    figures.byKind[kind] = (figures.byKind[kind] ?? 0) + 1;
    // Let the server answer (and close) before the next message, as a real attacker's RTT would.
    await new Promise((r) => setTimeout(r, 2));
  }
  if (ws) {
    const s = ws;
    await new Promise<void>((resolve) => {
      if (s.readyState === WebSocket.CLOSED) return resolve();
      s.once('close', () => resolve());
      s.close();
    });
  }
  return figures;
}

/**
 * A well-behaved editor typing into the fiche's «Conclusion» every 20 ms while fuzzers run, keeping the updates it
 * made itself: what the stored document must equal afterwards is the state before plus those.
 */
export function editorAtWork(doc: Y.Doc, provider: unknown): { typed: Uint8Array[]; stop: () => Promise<number> } {
  const typed: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== provider) typed.push(u);
  });
  let editing = true;
  let edits = 0;
  const loop = (async () => {
    while (editing) {
      const notes = ficheField(doc);
      notes.insert(notes.length, `n${edits++} `);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    typed,
    async stop() {
      editing = false;
      await loop;
      return edits;
    },
  };
}

/** The document `before` plus `updates`, applied in order. */
export function docOf(before: Uint8Array, updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, before);
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}
