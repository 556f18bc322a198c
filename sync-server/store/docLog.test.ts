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

function stateOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

describe('§8 LMDB document log', () => {
  it('append then load gives the updates back in order', async () => {
    const s = open();
    const { updates, doc } = edits(50);
    for (let i = 0; i < updates.length; i++) await s.docs.append('dossier/a', i + 1, updates[i]!);
    const loaded = s.docs.load('dossier/a');
    expect(loaded.lastSeq).toBe(50);
    expect(loaded.tailCount).toBe(50);
    expect(stateOf(loaded.updates)).toBe(doc.getText('t').toString());
  });

  it('documents do not see each other’s updates', async () => {
    const s = open();
    const { updates } = edits(3);
    await s.docs.append('dossier/a', 1, updates[0]!);
    await s.docs.append('dossier/ab', 1, updates[1]!);
    expect(s.docs.load('dossier/a').updates).toHaveLength(1);
    expect(s.docs.load('dossier/ab').updates).toHaveLength(1);
    expect(s.docs.load('dossier/b').updates).toHaveLength(0);
  });

  it('compaction folds the tail into a snapshot, keeps later appends, and loads the same state', async () => {
    const s = open();
    const { updates, doc } = edits(120);
    for (let i = 0; i < 100; i++) await s.docs.append('dossier/a', i + 1, updates[i]!);
    const partial = new Y.Doc();
    for (let i = 0; i < 100; i++) Y.applyUpdate(partial, updates[i]!);
    const before = s.docs.sizeOf('dossier/a');
    await s.docs.compact('dossier/a', 100, Y.encodeStateAsUpdate(partial));
    for (let i = 100; i < 120; i++) await s.docs.append('dossier/a', i + 1, updates[i]!);
    const loaded = s.docs.load('dossier/a');
    expect(loaded.updates).toHaveLength(21);
    expect(loaded.tailCount).toBe(20);
    expect(loaded.lastSeq).toBe(120);
    expect(stateOf(loaded.updates)).toBe(doc.getText('t').toString());
    expect(s.docs.sizeOf('dossier/a')).toBeLessThan(before);
  });

  it('a compacted log is within 2× of the document’s own encoding', async () => {
    const s = open();
    const { updates, doc } = edits(1000);
    for (let i = 0; i < updates.length; i++) void s.docs.append('dossier/a', i + 1, updates[i]!);
    await s.docs.compact('dossier/a', 1000, Y.encodeStateAsUpdate(doc));
    expect(s.docs.sizeOf('dossier/a')).toBeLessThanOrEqual(2 * Y.encodeStateAsUpdate(doc).byteLength);
  });

  it('survives closing and reopening the environment', async () => {
    const s = open();
    const { updates, doc } = edits(10);
    for (let i = 0; i < updates.length; i++) await s.docs.append('dossier/a', i + 1, updates[i]!);
    await s.close();
    const again = open();
    expect(stateOf(again.docs.load('dossier/a').updates)).toBe(doc.getText('t').toString());
  });

  it('create refuses a document that already exists', async () => {
    const s = open();
    const { updates } = edits(1);
    await s.docs.create('dossier/a', updates[0]!);
    expect(s.docs.exists('dossier/a')).toBe(true);
    await expect(s.docs.create('dossier/a', updates[0]!)).rejects.toThrow(/already exists/);
  });

  it('a document exists by its own snapshot or updates, not by a neighbour’s', async () => {
    const s = open();
    const { updates } = edits(2);
    await s.docs.create('dossier/ab', updates[0]!);
    await s.docs.append('dossier/c', 1, updates[1]!);
    expect(s.docs.exists('dossier/ab')).toBe(true);
    expect(s.docs.exists('dossier/c')).toBe(true);
    // Names just before, a prefix of, or just after a stored one.
    expect(s.docs.exists('dossier/a')).toBe(false);
    expect(s.docs.exists('dossier/abc')).toBe(false);
    expect(s.docs.exists('dossier/b')).toBe(false);
    expect(s.docs.exists('dossier/d')).toBe(false);
  });

  it('a removed document no longer exists, though it was found before', async () => {
    const s = open();
    const { updates } = edits(2);
    await s.docs.create('dossier/a', updates[0]!);
    await s.docs.append('dossier/a', 1, updates[1]!);
    expect(s.docs.exists('dossier/a')).toBe(true);
    await s.docs.remove('dossier/a');
    expect(s.docs.exists('dossier/a')).toBe(false);
    expect(s.docs.load('dossier/a').updates).toHaveLength(0);
  });
});
