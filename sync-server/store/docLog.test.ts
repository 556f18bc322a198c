import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { openStore, type Store } from './index.ts';
import { tempDataDir } from '../testing/harness.ts';

let store: Store | null = null;
let dir = '';

function open(): Store {
  dir ||= tempDataDir();
  store = openStore(dir);
  return store;
}

afterEach(async () => {
  await store?.close();
  store = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Types `count` small edits into a Y.Text and returns each edit's update. */
function edits(count: number): { updates: Uint8Array[]; doc: Y.Doc } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const text = doc.getText('t');
  for (let i = 0; i < count; i++) text.insert(text.length, `${i % 10}`);
  return { updates, doc };
}

/** Bytes as plain arrays: LMDB gives Buffers back, Yjs made Uint8Arrays. */
const bytes = (list: Uint8Array[]): number[][] => list.map((u) => [...u]);

function stateOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

describe('§8 LMDB document log', () => {
  it('append then load gives the updates back in order', async () => {
    const s = open();
    const { updates, doc } = edits(50);
    for (let i = 0; i < updates.length; i++) await s.docs.append('dossier/a', updates[i]!);
    const loaded = await s.docs.load('dossier/a');
    expect(loaded.lastSeq).toBe(50);
    expect(loaded.tailCount).toBe(50);
    expect(stateOf(loaded.updates)).toBe(doc.getText('t').toString());
  });

  it('documents do not see each other’s updates', async () => {
    const s = open();
    const { updates } = edits(3);
    await s.docs.append('dossier/a', updates[0]!);
    await s.docs.append('dossier/ab', updates[1]!);
    expect((await s.docs.load('dossier/a')).updates).toHaveLength(1);
    expect((await s.docs.load('dossier/ab')).updates).toHaveLength(1);
    expect((await s.docs.load('dossier/b')).updates).toHaveLength(0);
  });

  it('compaction folds the tail into a snapshot, keeps later appends, and loads the same state', async () => {
    const s = open();
    const { updates, doc } = edits(120);
    for (let i = 0; i < 100; i++) await s.docs.append('dossier/a', updates[i]!);
    const partial = new Y.Doc();
    for (let i = 0; i < 100; i++) Y.applyUpdate(partial, updates[i]!);
    const before = await s.docs.sizeOf('dossier/a');
    await s.docs.compact('dossier/a', 100, Y.encodeStateAsUpdate(partial));
    for (let i = 100; i < 120; i++) await s.docs.append('dossier/a', updates[i]!);
    const loaded = await s.docs.load('dossier/a');
    expect(loaded.updates).toHaveLength(21);
    expect(loaded.tailCount).toBe(20);
    expect(loaded.lastSeq).toBe(120);
    expect(stateOf(loaded.updates)).toBe(doc.getText('t').toString());
    expect(await s.docs.sizeOf('dossier/a')).toBeLessThan(before);
  });

  it('a compacted log is within 2× of the document’s own encoding', async () => {
    const s = open();
    const { updates, doc } = edits(1000);
    for (let i = 0; i < updates.length; i++) void s.docs.append('dossier/a', updates[i]!);
    await s.docs.compact('dossier/a', 1000, Y.encodeStateAsUpdate(doc));
    expect(await s.docs.sizeOf('dossier/a')).toBeLessThanOrEqual(2 * Y.encodeStateAsUpdate(doc).byteLength);
  });

  it('survives closing and reopening the environment', async () => {
    const s = open();
    const { updates, doc } = edits(10);
    for (let i = 0; i < updates.length; i++) await s.docs.append('dossier/a', updates[i]!);
    await s.close();
    const again = open();
    expect(stateOf((await again.docs.load('dossier/a')).updates)).toBe(doc.getText('t').toString());
  });

  it('create refuses a document that already exists', async () => {
    const s = open();
    const { updates } = edits(1);
    await s.docs.create('dossier/a', updates[0]!);
    expect(await s.docs.exists('dossier/a')).toBe(true);
    await expect(s.docs.create('dossier/a', updates[0]!)).rejects.toThrow(/already exists/);
  });

  it('a document exists by its own snapshot or updates, not by a neighbour’s', async () => {
    const s = open();
    const { updates } = edits(2);
    await s.docs.create('dossier/ab', updates[0]!);
    await s.docs.append('dossier/c', updates[1]!);
    expect(await s.docs.exists('dossier/ab')).toBe(true);
    expect(await s.docs.exists('dossier/c')).toBe(true);
    // Names just before, a prefix of, or just after a stored one.
    expect(await s.docs.exists('dossier/a')).toBe(false);
    expect(await s.docs.exists('dossier/abc')).toBe(false);
    expect(await s.docs.exists('dossier/b')).toBe(false);
    expect(await s.docs.exists('dossier/d')).toBe(false);
  });

  it('a removed document no longer exists, though it was found before', async () => {
    const s = open();
    const { updates } = edits(2);
    await s.docs.create('dossier/a', updates[0]!);
    await s.docs.append('dossier/a', updates[1]!);
    expect(await s.docs.exists('dossier/a')).toBe(true);
    await s.docs.remove('dossier/a');
    expect(await s.docs.exists('dossier/a')).toBe(false);
    expect((await s.docs.load('dossier/a')).updates).toHaveLength(0);
  });

  it('numbers each document’s appends 1, 2, 3… in order, and goes on from what is stored after a restart', async () => {
    const s = open();
    const { updates } = edits(6);
    // Queued in one turn, committed in one batch: numbered in the order they were appended.
    const seqs = await Promise.all([s.docs.append('dossier/a', updates[0]!), s.docs.append('dossier/b', updates[1]!), s.docs.append('dossier/a', updates[2]!)]);
    expect(seqs).toEqual([1, 1, 2]);
    await s.close();
    const again = open();
    expect(await again.docs.append('dossier/a', updates[3]!)).toBe(3);
    // Past a compaction that folded the whole tail, and with the tail learnt from a load.
    await again.docs.compact('dossier/b', 1, updates[1]!);
    expect(await again.docs.append('dossier/b', updates[4]!)).toBe(2);
    const loaded = await again.docs.load('dossier/a');
    expect(loaded.lastSeq).toBe(3);
    expect(await again.docs.append('dossier/a', updates[5]!)).toBe(4);
  });

  it('a document created, compacted to its last update, then reopened numbers on past the snapshot', async () => {
    const s = open();
    const { updates, doc } = edits(4);
    await s.docs.create('dossier/a', updates[0]!);
    expect(await s.docs.append('dossier/a', updates[1]!)).toBe(1);
    expect(await s.docs.append('dossier/a', updates[2]!)).toBe(2);
    await s.docs.compact('dossier/a', 2, Y.encodeStateAsUpdate(doc));
    await s.close();
    const again = open();
    expect(await again.docs.append('dossier/a', updates[3]!)).toBe(3);
    const loaded = await again.docs.load('dossier/a');
    expect(loaded).toMatchObject({ lastSeq: 3, tailCount: 1 });
  });

  it('since: the updates after a seq, with the snapshot first when it folded some of them', async () => {
    const s = open();
    const { updates } = edits(8);
    for (let i = 0; i < 5; i++) await s.docs.append('dossier/a', updates[i]!);
    const tail = await s.docs.since('dossier/a', 3);
    expect(tail).toMatchObject({ lastSeq: 5, tailCount: 2, snapshotBytes: 0 });
    expect(bytes(tail.updates)).toEqual(bytes(updates.slice(3, 5)));
    // Nothing new: nothing sent, and the last seq stored all the same.
    expect(await s.docs.since('dossier/a', 5)).toMatchObject({ updates: [], lastSeq: 5, tailCount: 0 });

    const folded = Y.mergeUpdates(updates.slice(0, 5));
    await s.docs.compact('dossier/a', 5, folded);
    for (let i = 5; i < 8; i++) await s.docs.append('dossier/a', updates[i]!);
    // 3 was folded into the snapshot: the snapshot, then the whole tail.
    const caughtUp = await s.docs.since('dossier/a', 3);
    expect(bytes(caughtUp.updates)).toEqual(bytes([folded, ...updates.slice(5)]));
    expect(caughtUp).toMatchObject({ lastSeq: 8, tailCount: 3, snapshotBytes: folded.byteLength });
    expect(stateOf(caughtUp.updates)).toBe(stateOf(updates));
    // At the snapshot or past it: the tail after the seq only.
    expect(bytes((await s.docs.since('dossier/a', 5)).updates)).toEqual(bytes(updates.slice(5)));
    expect(bytes((await s.docs.since('dossier/a', 6)).updates)).toEqual(bytes(updates.slice(6)));
    expect(await s.docs.since('dossier/a', 8)).toMatchObject({ updates: [], lastSeq: 8 });
    expect(await s.docs.since('dossier/none', 0)).toMatchObject({ updates: [], lastSeq: 0 });
  });

  it('a batch that fails to commit gives its seqs again: nothing of it is stored', async () => {
    const s = open();
    const { updates, doc } = edits(3);
    expect(await s.docs.append('dossier/a', updates[0]!)).toBe(1);
    // A write LMDB refuses (a key past its size limit) inside the batch's transaction aborts the whole batch.
    const lost = s.docs.append('dossier/a', updates[1]!);
    const refused = s.docs.compact(`dossier/${'x'.repeat(4000)}`, 1, updates[1]!);
    await expect(lost).rejects.toThrow();
    await expect(refused).rejects.toThrow();
    expect(await s.docs.append('dossier/a', updates[2]!)).toBe(2);
    const loaded = await s.docs.load('dossier/a');
    expect(loaded.lastSeq).toBe(2);
    expect(bytes(loaded.updates)).toEqual(bytes([updates[0]!, updates[2]!]));
    expect(stateOf(updates)).toBe(doc.getText('t').toString());
  });

  it('a document removed and made again numbers from 1', async () => {
    const s = open();
    const { updates } = edits(3);
    await s.docs.append('dossier/a', updates[0]!);
    await s.docs.append('dossier/a', updates[1]!);
    await s.docs.remove('dossier/a');
    expect(await s.docs.append('dossier/a', updates[2]!)).toBe(1);
  });
});
