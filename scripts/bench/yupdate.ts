/**
 * Real Yjs updates without a Y.Doc, so that one load-generator process can drive thousands of
 * sockets: each update inserts one string (the send time) at the end of its author's own run, in
 * a text that is either the root text `bench` (the reference servers, whose documents start empty)
 * or, for Relais, the server-created Y.Text of a fiche field, named by the id of the item that holds
 * it: Relais refuses a participant's new root type (schema/clientWrites.ts), as it should.
 * `checkAgainstYjs` proves at start-up that the bytes are what Yjs writes.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

const CONTENT_STRING = 4;
const HAS_ORIGIN = 0x80;
export const BENCH_TEXT = 'bench';

/** The id (client, clock) of the item that holds a Y.Text which is not a root type. */
export type TextHolder = readonly [number, number];

/** Update v1: one client, one Item (ContentString), empty delete set. */
export function encodeInsert(client: number, clock: number, text: string, holder: TextHolder | null = null): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  if (clock === 0) {
    encoding.writeUint8(e, CONTENT_STRING);
    if (holder) {
      encoding.writeVarUint(e, 0); // parent is the type held by an item, named by its id
      encoding.writeVarUint(e, holder[0]);
      encoding.writeVarUint(e, holder[1]);
    } else {
      encoding.writeVarUint(e, 1); // parent is a root type, named by its key
      encoding.writeVarString(e, BENCH_TEXT);
    }
  } else {
    encoding.writeUint8(e, CONTENT_STRING | HAS_ORIGIN);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock - 1);
  }
  encoding.writeVarString(e, text);
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}

export interface ParsedInsert {
  client: number;
  clock: number;
  text: string;
}

/** Reads an update written by `encodeInsert` (or Yjs's equivalent); null for any other shape. */
export function parseInsert(decoder: decoding.Decoder): ParsedInsert | null {
  if (decoding.readVarUint(decoder) !== 1) return null;
  if (decoding.readVarUint(decoder) !== 1) return null;
  const client = decoding.readVarUint(decoder);
  const clock = decoding.readVarUint(decoder);
  const info = decoding.readUint8(decoder);
  if ((info & 0x1f) !== CONTENT_STRING || (info & 0x60) !== 0) return null;
  if (info & HAS_ORIGIN) {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
  } else if (decoding.readVarUint(decoder) === 1) {
    decoding.readVarString(decoder);
  } else {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
  }
  return { client, clock: clock, text: decoding.readVarString(decoder) };
}

/** Throws unless our bytes equal what Yjs emits for the same edits, and apply cleanly. */
export function checkAgainstYjs(): void {
  const texts = ['12345', '678', '9', '1000000000'];
  for (const client of [7, 1234567, 2 ** 31 - 5]) {
    const doc = new Y.Doc();
    doc.clientID = client;
    const emitted: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => emitted.push(u));
    let clock = 0;
    const ours: Uint8Array[] = [];
    for (const t of texts) {
      doc.getText(BENCH_TEXT).insert(doc.getText(BENCH_TEXT).length, t);
      ours.push(encodeInsert(client, clock, t));
      clock += t.length;
    }
    for (let i = 0; i < texts.length; i++) {
      if (Buffer.compare(Buffer.from(ours[i]!), Buffer.from(emitted[i]!)) !== 0) {
        throw new Error(`bench update ${i} differs from Yjs's for client ${client}`);
      }
      const parsed = parseInsert(decoding.createDecoder(emitted[i]!));
      if (parsed?.text !== texts[i]) throw new Error('bench update parser disagrees with Yjs');
    }
  }
  // Interleaved authors on one document, as the servers will see them.
  const doc = new Y.Doc();
  const clocks = [0, 0, 0];
  let expected = 0;
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    const t = String(1000 + i);
    Y.applyUpdate(doc, encodeInsert(100 + c, clocks[c]!, t));
    clocks[c]! += t.length;
    expected += t.length;
  }
  if (doc.getText(BENCH_TEXT).length !== expected || doc.store.pendingStructs !== null) {
    throw new Error('bench updates do not integrate in Yjs');
  }
  // Into a text held by another item, as in a Relais dossier's fiche field.
  const dossier = new Y.Doc();
  const field = dossier.getMap('fiche').set('motif', new Y.Text());
  const holder: TextHolder = [field._item!.id.client, field._item!.id.clock];
  const writer = new Y.Doc();
  writer.clientID = 4321;
  Y.applyUpdate(writer, Y.encodeStateAsUpdate(dossier));
  const emitted: Uint8Array[] = [];
  writer.on('update', (u: Uint8Array) => emitted.push(u));
  let clock = 0;
  for (const t of texts) {
    const text = writer.getMap('fiche').get('motif') as Y.Text;
    text.insert(text.length, t);
    const ours = encodeInsert(4321, clock, t, holder);
    clock += t.length;
    if (Buffer.compare(Buffer.from(ours), Buffer.from(emitted.at(-1)!)) !== 0) throw new Error('bench update into a fiche field differs from Yjs’s');
    if (parseInsert(decoding.createDecoder(ours))?.text !== t) throw new Error('bench update parser disagrees with Yjs');
    Y.applyUpdate(dossier, ours);
  }
  if ((dossier.getMap('fiche').get('motif') as Y.Text).toString() !== texts.join('')) throw new Error('bench updates do not integrate in a fiche field');
}
