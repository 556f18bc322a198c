/**
 * Rooms over the asynchronous document log (issue 16): loaded once however many ask, held from the
 * socket's upgrade to its `open`, numbered by the store, and fed updates another node stored.
 * Two registries over one store play two nodes of a cluster (each with its own sockets).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { openStore, type Store } from '../store/index.ts';
import type { DocStore } from '../store/contract.ts';
import { tempDataDir, waitFor } from '../testing/harness.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { MemoryHub, MemorySocket } from '../testing/memory.ts';
import { RoomRegistry } from './RoomRegistry.ts';
import { RoomUnavailable, type Room } from './Room.ts';
import { MessageType, SyncStep, encodeSyncStep1, encodeSyncUpdate } from './protocol.ts';

const DOC = 'dossier/n1';
let store: Store;
let dir: string;
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store, counting the loads that reach it. */
function setup(): { docs: DocStore; loads: () => number } {
  dir = tempDataDir();
  store = openStore(dir);
  let loads = 0;
  const real = store.docs;
  const docs: DocStore = {
    load: (name) => {
      loads++;
      return real.load(name);
    },
    append: (name, update) => real.append(name, update),
    since: (name, after) => real.since(name, after),
    compact: (name, upTo, state) => real.compact(name, upTo, state),
    replace: (name, upTo, state) => real.replace(name, upTo, state),
    create: (name, initial) => real.create(name, initial),
    sizeOf: (name) => real.sizeOf(name),
    exists: (name) => real.exists(name),
    remove: (name) => real.remove(name),
  };
  return { docs, loads: () => loads };
}

function node(docs: DocStore, hub = new MemoryHub()) {
  const registry = new RoomRegistry(docs, hub, { compactAfter: 500, onError: () => undefined, clientWritesOf: () => null });
  const connect = async (): Promise<{ socket: MemorySocket; room: Room }> => {
    const socket = new MemorySocket(hub);
    await registry.open(DOC);
    const room = registry.join(DOC, socket, 'write');
    socket.onClose = () => registry.leave(room, socket);
    return { socket, room };
  };
  return { registry, connect };
}

function typed(doc: Y.Doc, text: string, at = doc.getText('t').length): Uint8Array {
  let update: Uint8Array | null = null;
  doc.once('update', (u: Uint8Array) => (update = u));
  doc.getText('t').insert(at, text);
  return update!;
}

/** The text a socket's sync updates add up to (what a client on it would show). */
function seenBy(socket: MemorySocket): string {
  const doc = new Y.Doc();
  for (const m of socket.received) {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== MessageType.Sync) continue;
    const step = decoding.readVarUint(d);
    if (step === SyncStep.Step2 || step === SyncStep.Update) Y.applyUpdate(doc, decoding.readVarUint8Array(d));
  }
  return doc.getText('t').toString();
}

const storedText = async (): Promise<string> => (await storedDoc(store, DOC)).getText('t').toString();

describe('issue 16: rooms loaded asynchronously', () => {
  it('loads a document once however many ask at the same time', async () => {
    const { docs, loads } = setup();
    const { registry } = node(docs);
    const rooms = await Promise.all([registry.open(DOC), registry.open(DOC), registry.transact(DOC, () => registry.get(DOC))]);
    expect(loads()).toBe(1);
    expect(rooms[1]).toBe(rooms[0]);
    expect(rooms[2]).toBe(rooms[0]);
    expect(await registry.open(DOC)).toBe(rooms[0]);
    expect(loads()).toBe(1);
  });

  it('a socket joins only a loaded room', async () => {
    const { docs } = setup();
    const { registry } = node(docs);
    const hub = new MemoryHub();
    expect(() => registry.join(DOC, new MemorySocket(hub), 'write')).toThrow(RoomUnavailable);
    await registry.open(DOC);
    expect(registry.join(DOC, new MemorySocket(hub), 'write').size).toBe(1);
  });

  it('a room loaded for an upgrade stays until the socket joins, then goes with its last socket', async () => {
    const { docs } = setup();
    const { registry } = node(docs);
    const { room, release } = await registry.openPinned(DOC);
    // Held: what would drop an idle room (a server edit's linger ending) leaves it.
    room.lingerMs = 0;
    await registry.transact(DOC, (d) => d.getText('t').insert(0, 'a'));
    expect(registry.get(DOC)).toBe(room);
    const socket = new MemorySocket(new MemoryHub());
    registry.join(DOC, socket, 'write');
    release();
    expect(registry.get(DOC)).toBe(room);
    registry.leave(room, socket);
    expect(registry.get(DOC)).toBeUndefined();
  });

  it('a room loaded for a client that never opened its socket is dropped when the hold runs out', async () => {
    const { docs } = setup();
    const { registry } = node(docs);
    await registry.openPinned(DOC, 50);
    expect(registry.roomCount).toBe(1);
    await waitFor(() => registry.roomCount === 0, 2000, 'room dropped');
  });

  it('records the seqs the store gives, whoever else appends to the document', async () => {
    const { docs } = setup();
    const { connect } = node(docs);
    const { room } = await connect();
    const client = new Y.Doc();
    const { socket } = await connect();
    for (let i = 0; i < 5; i++) room.receive(socket, encodeSyncUpdate(typed(client, `${i}`)));
    await room.whenWritten();
    expect(room.lastSeq).toBe(5);
    expect((await store.docs.load(DOC)).lastSeq).toBe(5);
    // Another writer of the same document (another node) took 6: this room's next is 7.
    expect(await store.docs.append(DOC, typed(new Y.Doc(), 'x'))).toBe(6);
    room.receive(socket, encodeSyncUpdate(typed(client, '5')));
    await room.whenWritten();
    expect(room.lastSeq).toBe(7);
  });
});

describe('issue 16: updates another node stored (Room.applyRemote)', () => {
  it('are applied and sent to this node’s sockets, not stored again; newcomers get them', async () => {
    const { docs } = setup();
    const a = node(docs);
    const b = node(docs);
    const writer = await a.connect();
    const reader = await b.connect();
    // A large document, so that node B keeps its newcomers' sync step 2 between edits.
    const client = new Y.Doc();
    const big = typed(client, 'x'.repeat(40_000));
    writer.room.receive(writer.socket, encodeSyncUpdate(big));
    await writer.room.whenWritten();
    reader.room.applyRemote(writer.room.lastSeq, big);
    const newcomer = await b.connect();
    newcomer.room.receive(newcomer.socket, encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    expect(seenBy(newcomer.socket)).toHaveLength(40_000);

    const edit = typed(client, 'fin');
    writer.room.receive(writer.socket, encodeSyncUpdate(edit));
    await writer.room.whenWritten();
    const stored = (await store.docs.load(DOC)).lastSeq;
    reader.room.applyRemote(writer.room.lastSeq, edit);
    expect(reader.room.lastSeq).toBe(writer.room.lastSeq);
    await reader.room.whenWritten();
    expect((await store.docs.load(DOC)).lastSeq).toBe(stored);
    expect(seenBy(reader.socket)).toBe(`${'x'.repeat(40_000)}fin`);
    // The kept step 2 went with the change: the next newcomer gets the edit too.
    const late = await b.connect();
    late.room.receive(late.socket, encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    expect(seenBy(late.socket)).toBe(`${'x'.repeat(40_000)}fin`);
    // An older seq arriving late does not move lastSeq back.
    reader.room.applyRemote(1, big);
    expect(reader.room.lastSeq).toBe(writer.room.lastSeq);
  });

  it('a local client’s edit held back for want of a remote update is stored here once that update arrives', async () => {
    const { docs } = setup();
    const a = node(docs);
    const b = node(docs);
    const writer = await a.connect();
    const author = await b.connect();
    const other = await b.connect();
    const doc = new Y.Doc();
    const base = typed(doc, 'Chute ');
    // The author's page had the base (from node A before it reconnected here) and typed after it.
    const after = typed(doc, 'la nuit');
    writer.room.receive(writer.socket, encodeSyncUpdate(base));
    await writer.room.whenWritten();
    author.room.receive(author.socket, encodeSyncUpdate(after));
    await author.room.whenWritten();
    expect(await storedText()).toBe('Chute ');
    author.room.applyRemote(writer.room.lastSeq, base);
    await author.room.whenWritten();
    expect(await storedText()).toBe('Chute la nuit');
    expect(seenBy(other.socket)).toBe('Chute la nuit');
    expect(author.room.lastSeq).toBe(2);
  });
});

describe('issue 16: a new generation over a store that settles appends in any order', () => {
  it('replaces every update of the old generation, those still being stored included', async () => {
    const { docs } = setup();
    // PostgreSQL may settle two appends of one document out of order: the later one first here.
    let delay = 60;
    const slow: DocStore = { ...docs, append: (name, update) => docs.append(name, update).then((seq) => new Promise((r) => setTimeout(() => r(seq), (delay = Math.max(0, delay - 20))))) };
    const copy = (current: Y.Doc, fresh: Y.Doc): void => {
      for (const [k, v] of current.getMap('m').entries()) fresh.getMap('m').set(k, v);
    };
    const registry = new RoomRegistry(slow, new MemoryHub(), { compactAfter: 500, onError: () => undefined, clientWritesOf: () => ({}), freshCopyOf: () => copy });
    const room = await registry.open('activity/e1');
    const oldId = room.serverClientId;
    const edits = [0, 1, 2].map((i) => room.transact((d) => d.getMap('m').set(`k${i}`, i)));
    await room.replace();
    await Promise.all(edits);
    expect(room.serverClientId).not.toBe(oldId);
    const stored = await storedDoc(store, 'activity/e1');
    expect([...Y.decodeStateVector(Y.encodeStateVector(stored)).keys()]).toEqual([room.serverClientId]);
    expect(stored.getMap('m').toJSON()).toEqual({ k0: 0, k1: 1, k2: 2 });
  });
});
