/** The PostgreSQL document log, two nodes on one real PostgreSQL (issue 16). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { startPostgres, type Engine } from '../../../scripts/cluster/engines.ts';
import { PgDatabase } from './db.ts';
import { PgDocStore } from './docLog.ts';

let engine: Engine;
let nodeA: PgDatabase;
let nodeB: PgDatabase;
const key = randomBytes(32);

beforeAll(async () => {
  engine = await startPostgres();
  nodeA = new PgDatabase(engine.url, key);
  nodeB = new PgDatabase(engine.url, key);
  await Promise.all([nodeA.migrate(), nodeB.migrate()]);
}, 60_000);

afterAll(async () => {
  await nodeA?.close();
  await nodeB?.close();
  await engine?.stop();
});

/** n updates typing `word-i` into a fresh doc's text, one update each. */
function typed(prefix: string, n: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i++) doc.getText('t').insert(doc.getText('t').length, `${prefix}${i} `);
  return out;
}

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

describe('PgDocStore', () => {
  it('numbers appends from two nodes 1…n without a gap, and both load every update', async () => {
    const a = new PgDocStore(nodeA);
    const b = new PgDocStore(nodeB);
    const fromA = typed('a', 100);
    const fromB = typed('b', 100);
    const seqs = await Promise.all([...fromA.map((u) => a.append('dossier/two-nodes', u)), ...fromB.map((u) => b.append('dossier/two-nodes', u))]);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // One node's appends of one document keep their order.
    const seqsA = seqs.slice(0, 100);
    expect(seqsA).toEqual([...seqsA].sort((x, y) => x - y));
    const loaded = await b.load('dossier/two-nodes');
    expect(loaded.lastSeq).toBe(200);
    expect(loaded.tailCount).toBe(200);
    const text = textOf(loaded.updates);
    for (let i = 0; i < 100; i++) {
      expect(text).toContain(`a${i} `);
      expect(text).toContain(`b${i} `);
    }
  });

  it('compacts from stored rows: a node that missed updates below upTo loses none of them', async () => {
    const a = new PgDocStore(nodeA);
    const b = new PgDocStore(nodeB);
    const doc = 'dossier/compact';
    for (const u of typed('x', 10)) await a.append(doc, u);
    for (const u of typed('y', 10)) await b.append(doc, u);
    // Node A compacts up to 20 with a state holding only its own ten updates.
    const stateOfA = Y.mergeUpdates(typed('x', 10));
    await a.compact(doc, 20, stateOfA);
    const loaded = await b.load(doc);
    expect(loaded.tailCount).toBe(0);
    expect(loaded.lastSeq).toBe(20);
    const text = textOf(loaded.updates);
    expect(text).toContain('y9 ');
    expect(text).toContain('x9 ');
    // Appends go on after the snapshot.
    expect(await a.append(doc, typed('z', 1)[0]!)).toBe(21);
  });

  it('since gives what came after a seq, with the snapshot when compaction folded some of it', async () => {
    const a = new PgDocStore(nodeA);
    const doc = 'dossier/since';
    const ups = typed('s', 6);
    for (const u of ups) await a.append(doc, u);
    const after4 = await a.since(doc, 4);
    expect(after4.updates).toHaveLength(2);
    expect(after4.lastSeq).toBe(6);
    await a.compact(doc, 5, new Uint8Array());
    const after2 = await a.since(doc, 2);
    // The snapshot (1…5) and seq 6.
    expect(after2.updates).toHaveLength(2);
    expect(textOf(after2.updates)).toBe(textOf(ups));
    const after5 = await a.since(doc, 5);
    expect(after5.updates).toHaveLength(1);
    expect((await a.since(doc, 6)).updates).toHaveLength(0);
  });

  it('create refuses an existing document; exists, sizeOf and remove', async () => {
    const a = new PgDocStore(nodeA);
    const doc = 'dossier/created';
    expect(await a.exists(doc)).toBe(false);
    const initial = Y.mergeUpdates(typed('i', 3));
    await a.create(doc, initial);
    await expect(new PgDocStore(nodeB).create(doc, initial)).rejects.toThrow(/already exists/);
    expect(await a.exists(doc)).toBe(true);
    const extra = typed('j', 1)[0]!;
    expect(await a.append(doc, extra)).toBe(1);
    expect(await a.sizeOf(doc)).toBe(initial.byteLength + extra.byteLength);
    await a.remove(doc);
    expect(await a.exists(doc)).toBe(false);
    expect((await a.load(doc)).updates).toHaveLength(0);
  });

  it('stores no update in clear, and refuses one moved to another document', async () => {
    const a = new PgDocStore(nodeA);
    const doc = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    doc.on('update', (u: Uint8Array) => (update = u));
    doc.getText('t').insert(0, 'Jeanne DUPONT');
    await a.append('dossier/secret', update);
    await a.append('dossier/other', typed('o', 1)[0]!);
    const { rows } = await nodeA.query<{ payload: Buffer }>("SELECT payload FROM doc_updates WHERE doc_name = 'dossier/secret'");
    expect(rows[0]!.payload.includes(Buffer.from('DUPONT'))).toBe(false);
    await nodeA.query("UPDATE doc_updates SET payload = (SELECT payload FROM doc_updates WHERE doc_name = 'dossier/secret' AND seq = 1) WHERE doc_name = 'dossier/other'");
    await expect(a.load('dossier/other')).rejects.toThrow();
  });
});
