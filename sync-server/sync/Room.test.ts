import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import { openStore, type Store } from '../store/index.ts';
import { tempDataDir, waitFor } from '../testing/harness.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { MemoryHub, MemorySocket } from '../testing/memory.ts';
import { RoomRegistry } from './RoomRegistry.ts';
import { Connection, DEFAULT_CONNECTION_LIMITS } from './Connection.ts';
import { CloseCode } from './closeCodes.ts';
import { MessageType, SyncStep, encodeAwareness, encodeSyncStep1, encodeSyncUpdate } from './protocol.ts';

let store: Store;
let dir: string;
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(compactAfter = 500) {
  dir = tempDataDir();
  store = openStore(dir);
  const hub = new MemoryHub();
  const registry = new RoomRegistry(store.docs, hub, { compactAfter, onError: () => undefined, clientWritesOf: () => null });
  const connect = async (access: 'read' | 'write' = 'write') => {
    const socket = new MemorySocket(hub);
    await registry.open('dossier/r1');
    const room = registry.join('dossier/r1', socket, access);
    socket.onClose = () => registry.leave(room, socket);
    return { socket, room, connection: new Connection(socket, room, DEFAULT_CONNECTION_LIMITS) };
  };
  return { hub, registry, connect };
}

function textUpdate(text: string, clientDoc = new Y.Doc()): Uint8Array {
  let captured: Uint8Array | null = null;
  clientDoc.once('update', (u: Uint8Array) => (captured = u));
  clientDoc.getText('t').insert(0, text);
  return captured!;
}

const syncUpdates = (socket: MemorySocket): Uint8Array[] =>
  socket.received.flatMap((m) => {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== MessageType.Sync) return [];
    if (decoding.readVarUint(d) !== SyncStep.Update) return [];
    return [decoding.readVarUint8Array(d)];
  });

const storedText = async (): Promise<string> => (await storedDoc(store, 'dossier/r1')).getText('t').toString();

describe('§8 sync room', () => {
  it('greets a new socket with sync step 1', async () => {
    const { connect } = setup();
    const { socket } = await connect();
    const d = decoding.createDecoder(socket.received[0]!);
    expect([decoding.readVarUint(d), decoding.readVarUint(d)]).toEqual([MessageType.Sync, SyncStep.Step1]);
  });

  it('stores an update, then sends it to the others and not back to its author', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    a.connection.receive(encodeSyncUpdate(textUpdate('Motif : chute')));
    await waitFor(() => syncUpdates(b.socket).length === 1, 2000, 'fan-out');
    expect(syncUpdates(a.socket)).toHaveLength(0);
    expect(await storedText()).toBe('Motif : chute');
  });

  it('does not store or send again an update it already has', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const update = textUpdate('x');
    a.connection.receive(encodeSyncUpdate(update));
    await waitFor(() => syncUpdates(b.socket).length === 1);
    a.connection.receive(encodeSyncUpdate(update));
    await new Promise((r) => setTimeout(r, 50));
    expect(syncUpdates(b.socket)).toHaveLength(1);
    expect((await store.docs.load('dossier/r1')).tailCount).toBe(1);
  });

  it('answers sync step 1 with what the client misses', async () => {
    const { connect } = setup();
    const a = await connect();
    a.connection.receive(encodeSyncUpdate(textUpdate('abc')));
    const b = await connect();
    b.connection.receive(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    const reply = b.socket.received.at(-1)!;
    const d = decoding.createDecoder(reply);
    expect(decoding.readVarUint(d)).toBe(MessageType.Sync);
    expect(decoding.readVarUint(d)).toBe(SyncStep.Step2);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    expect(doc.getText('t').toString()).toBe('abc');
  });

  it('drops the updates of a read-only socket', async () => {
    const { connect } = setup();
    const reader = await connect('read');
    const writer = await connect();
    reader.connection.receive(encodeSyncUpdate(textUpdate('intrus')));
    await new Promise((r) => setTimeout(r, 50));
    expect(syncUpdates(writer.socket)).toHaveLength(0);
    expect(await storedText()).toBe('');
    expect(reader.socket.isOpen).toBe(true);
  });

  it.each([
    ['an unknown message type', Uint8Array.of(9, 0, 0)],
    ['an unknown sync step', Uint8Array.of(0, 7, 0)],
    ['a truncated update', encodeSyncUpdate(textUpdate('tronqué')).slice(0, 6)],
    ['trailing bytes', Uint8Array.from([...encodeSyncUpdate(textUpdate('x')), 1, 2, 3])],
    ['a garbage update', Uint8Array.of(0, 2, 5, 255, 255, 255, 255, 255)],
    ['garbage awareness', Uint8Array.of(1, 3, 1, 2, 3)],
  ])('closes the socket on %s and stores nothing', async (_name, message) => {
    const { connect } = setup();
    const a = await connect();
    const other = await connect();
    a.connection.receive(message);
    expect(a.socket.closed?.code).toBe(CloseCode.MalformedMessage);
    await new Promise((r) => setTimeout(r, 30));
    expect(await storedText()).toBe('');
    expect(syncUpdates(other.socket)).toHaveLength(0);
  });

  it('refuses oversized messages and floods with named close codes', async () => {
    const { connect } = setup();
    const big = await connect();
    big.connection.receive(new Uint8Array(DEFAULT_CONNECTION_LIMITS.maxMessageBytes + 1));
    expect(big.socket.closed?.code).toBe(CloseCode.MessageTooBig);
    const flood = await connect();
    const query = Uint8Array.of(MessageType.QueryAwareness);
    for (let i = 0; i < DEFAULT_CONNECTION_LIMITS.messageBurst + 50 && flood.socket.isOpen; i++) flood.connection.receive(query);
    expect(flood.socket.closed?.code).toBe(CloseCode.TooManyMessages);
  });

  it('relays presence and removes the state of a socket that closes', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name: 'Dr Claire Martin' }, field: 'motif' });
    a.connection.receive(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])));
    const seen = new awarenessProtocol.Awareness(new Y.Doc());
    const applyAll = (socket: MemorySocket) => {
      for (const m of socket.received) {
        const d = decoding.createDecoder(m);
        if (decoding.readVarUint(d) === MessageType.Awareness) {
          awarenessProtocol.applyAwarenessUpdate(seen, decoding.readVarUint8Array(d), null);
        }
      }
      socket.received = [];
    };
    applyAll(b.socket);
    expect(seen.getStates().get(doc.clientID)).toEqual({ user: { name: 'Dr Claire Martin' }, field: 'motif' });
    a.socket.close(1000, 'bye');
    applyAll(b.socket);
    expect(seen.getStates().has(doc.clientID)).toBe(false);
    awareness.destroy();
    seen.destroy();
  });

  it('compacts the log past the threshold and drops the room when the last socket leaves', async () => {
    const { connect, registry } = setup(20);
    const a = await connect();
    const clientDoc = new Y.Doc();
    clientDoc.on('update', (u: Uint8Array) => a.connection.receive(encodeSyncUpdate(u)));
    for (let i = 0; i < 45; i++) clientDoc.getText('t').insert(i, 'x');
    await waitFor(async () => (await store.docs.load('dossier/r1')).tailCount < 20, 3000, 'compaction');
    a.socket.close(1000, 'bye');
    await waitFor(() => registry.roomCount === 0, 3000, 'room dropped');
    expect(await storedText()).toBe('x'.repeat(45));
    expect(await store.docs.sizeOf('dossier/r1')).toBeLessThanOrEqual(2 * Y.encodeStateAsUpdate(clientDoc).byteLength + 200);
  });
});

describe('§8 an edit that arrives before what it builds on', () => {
  /** Offline text typed by one client, then a word typed after it: two updates, the second built on the first. */
  function offlineThenTyped() {
    const doc = new Y.Doc();
    const offline = textUpdate('Pansement refait. ', doc);
    let typed: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (typed = u));
    doc.getText('t').insert(doc.getText('t').length, 'Revoir J+7.');
    return { offline, typed: typed! };
  }

  const received = (socket: MemorySocket): string => {
    const doc = new Y.Doc();
    for (const u of syncUpdates(socket)) Y.applyUpdate(doc, u);
    return doc.getText('t').toString();
  };

  it('is kept until its base arrives (typing just after a reconnect), then stored and relayed in full', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const { offline, typed } = offlineThenTyped();
    a.connection.receive(encodeSyncUpdate(typed));
    expect(a.socket.isOpen).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(await storedText()).toBe('');
    expect(received(b.socket)).toBe('');
    a.connection.receive(encodeSyncUpdate(offline));
    await waitFor(() => received(b.socket) === 'Pansement refait. Revoir J+7.', 2000, 'relayed in full');
    expect(await storedText()).toBe('Pansement refait. Revoir J+7.');
  });

  it('goes nowhere when its sender leaves without sending the base: not stored, not sent to a newcomer', async () => {
    const { connect } = setup(1);
    const a = await connect();
    const { typed } = offlineThenTyped();
    a.connection.receive(encodeSyncUpdate(typed));
    // A compaction now must not fold the dangling struct into the snapshot.
    a.connection.receive(encodeSyncUpdate(textUpdate('x')));
    await waitFor(async () => (await store.docs.load('dossier/r1')).tailCount === 0, 2000, 'compaction');
    a.socket.close(1000, 'bye');
    const c = await connect();
    c.connection.receive(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    const d = decoding.createDecoder(c.socket.received.at(-1)!);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    const newcomer = new Y.Doc();
    Y.applyUpdate(newcomer, decoding.readVarUint8Array(d));
    expect(newcomer.store.pendingStructs).toBeNull();
    expect(newcomer.getText('t').toString()).toBe('x');
    const stored = new Y.Doc();
    for (const u of (await store.docs.load('dossier/r1')).updates) Y.applyUpdate(stored, u);
    expect(stored.store.pendingStructs).toBeNull();
  });

  it('passes on an update that follows its state as the client sent it, frame included', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const frame = encodeSyncUpdate(textUpdate('Tension 13/8'));
    a.connection.receive(frame);
    await waitFor(() => syncUpdates(b.socket).length === 1, 2000, 'fan-out');
    expect(b.socket.received.at(-1)).toEqual(frame);
  });

  it('stores and sends only the new part of an update that overlaps what it has, and the deletions', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const client = new Y.Doc();
    a.connection.receive(encodeSyncUpdate(textUpdate('Pouls 72', client)));
    await waitFor(() => syncUpdates(b.socket).length === 1);
    // The client then resends everything it has (as after a lost acknowledgement) plus new text.
    client.getText('t').insert(8, ', régulier');
    a.connection.receive(encodeSyncUpdate(Y.encodeStateAsUpdate(client)));
    await waitFor(() => syncUpdates(b.socket).length === 2, 2000, 'second fan-out');
    const stored = (await store.docs.load('dossier/r1')).updates;
    expect(stored).toHaveLength(2);
    // The second stored update holds no struct the first one had.
    expect(Y.decodeUpdate(stored[1]!).structs.every((struct) => struct.id.clock >= 'Pouls 72'.length)).toBe(true);
    expect(await storedText()).toBe('Pouls 72, régulier');
    // A deletion alone goes through too.
    const deletion = new Promise<Uint8Array>((resolve) => client.once('update', resolve));
    client.getText('t').delete(0, 6);
    a.connection.receive(encodeSyncUpdate(await deletion));
    await waitFor(() => syncUpdates(b.socket).length === 3, 2000, 'deletion fan-out');
    expect(await storedText()).toBe('72, régulier');
    const atB = new Y.Doc();
    for (const u of syncUpdates(b.socket)) Y.applyUpdate(atB, u);
    expect(atB.getText('t').toString()).toBe('72, régulier');
  });

  it('stores an edit of the server’s own as that edit only, not with the document’s past deletions', async () => {
    const { connect, registry } = setup();
    const a = await connect();
    const client = new Y.Doc();
    client.on('update', (u: Uint8Array) => a.connection.receive(encodeSyncUpdate(u)));
    client.getText('t').insert(0, 'Tension artérielle à recontrôler');
    for (let i = 0; i < 5; i++) client.getText('t').delete(i * 2, 1);
    await waitFor(async () => (await store.docs.load('dossier/r1')).tailCount === 6, 2000, 'the client’s edits stored');
    const server = new Y.Doc();
    server.getMap('signatures').set('s1', 'Dr Claire Martin');
    await registry.applyServerUpdate('dossier/r1', Y.encodeStateAsUpdate(server));
    const stored = (await store.docs.load('dossier/r1')).updates;
    expect(stored).toHaveLength(7);
    expect(Y.decodeUpdate(stored[6]!).ds.clients.size).toBe(0);
  });

  it('relays the offline edits a client sends as sync step 2 as an ordinary update', async () => {
    const { connect } = setup();
    const a = await connect();
    const b = await connect();
    const update = textUpdate('Chute la nuit');
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MessageType.Sync);
    encoding.writeVarUint(e, SyncStep.Step2);
    encoding.writeVarUint8Array(e, update);
    a.connection.receive(encoding.toUint8Array(e));
    await waitFor(() => syncUpdates(b.socket).length === 1, 2000, 'fan-out');
    expect(syncUpdates(b.socket)[0]).toEqual(update);
    expect(await storedText()).toBe('Chute la nuit');
  });
});

describe('§8 newcomers on a large document (issue 13: its sync step 2 is kept between edits)', () => {
  /** A newcomer's view: it holds nothing, sends sync step 1, and reads the document from step 2. */
  async function newcomer(connect: ReturnType<typeof setup>['connect']): Promise<string> {
    const { socket, connection } = await connect();
    connection.receive(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    const d = decoding.createDecoder(socket.received.at(-1)!);
    expect([decoding.readVarUint(d), decoding.readVarUint(d)]).toEqual([MessageType.Sync, SyncStep.Step2]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    // It answers the server's step 1 with its (empty) state, as the stock provider does.
    connection.receive(encodeSyncUpdate(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(new Y.Doc()))));
    return doc.getText('t').toString();
  }

  it('each newcomer gets every edit, deletion and late base made before it came', async () => {
    const { connect } = setup();
    const writer = await connect();
    const doc = new Y.Doc();
    const text = doc.getText('t');
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const send = (): void => {
      for (const u of updates.splice(0)) writer.connection.receive(encodeSyncUpdate(u));
    };
    // Well above the size from which the message is kept (32 kB).
    text.insert(0, 'Transmissions de nuit. '.repeat(3000));
    send();
    expect(await newcomer(connect)).toBe(text.toString());
    expect(await newcomer(connect)).toBe(text.toString());

    text.insert(5, 'X');
    send();
    expect(await newcomer(connect)).toBe(text.toString());

    text.delete(0, 3);
    send();
    expect(await newcomer(connect)).toBe(text.toString());

    // An edit built on one the server has not seen yet stays out of what newcomers get until its
    // base arrives, then is in it.
    const before = text.toString();
    text.insert(0, 'base ');
    const base = updates.splice(0);
    text.insert(0, 'typed ');
    send();
    expect(await newcomer(connect)).toBe(before);
    for (const u of base) writer.connection.receive(encodeSyncUpdate(u));
    expect(await newcomer(connect)).toBe(text.toString());
    await writer.room.whenWritten();
  });
});
