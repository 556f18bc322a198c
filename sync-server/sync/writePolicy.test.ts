/**
 * §9 what a participant's socket may write: the room applies a client update only when everything
 * it inserts or deletes sits where schema/clientWrites.ts allows; anything else closes the socket
 * with ForbiddenWrite and nothing is applied, stored or sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { openStore, type Store } from '../store/index.ts';
import { tempDataDir, waitFor } from '../testing/harness.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { MemoryHub, MemorySocket } from '../testing/memory.ts';
import { newDossierUpdate, Teledossier, type DocumentEntry } from '../../schema/dossier.ts';
import { RoomDoc } from '../../schema/room.ts';
import { clientWritesOf } from '../auth/access.ts';
import { RoomRegistry } from './RoomRegistry.ts';
import { Connection, DEFAULT_CONNECTION_LIMITS } from './Connection.ts';
import { CloseCode } from './closeCodes.ts';
import { MessageType, SyncStep, encodeAwareness, encodeSyncStep1, encodeSyncUpdate } from './protocol.ts';
import * as awarenessProtocol from 'y-protocols/awareness';

const DOSSIER = 'dossier/c1';
const ROOM = 'room/c1';

let store: Store;
let dir: string;
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (id: string): DocumentEntry => ({
  id,
  name: `${id}.pdf`,
  mimeType: 'application/pdf',
  size: 10,
  sha256: 'a'.repeat(64),
  addedBy: 'u-dr',
  addedAt: '2026-12-02T08:00:00.000Z',
  kind: 'upload',
});

/** A dossier as the server makes it, with one document and one signature; an empty room doc. */
async function setup() {
  dir = tempDataDir();
  store = openStore(dir);
  await store.docs.append(DOSSIER, newDossierUpdate({ consultationId: 'c1', createdAt: '2026-12-02T08:00:00.000Z' }));
  const server = new Y.Doc();
  for (const u of (await store.docs.load(DOSSIER)).updates) Y.applyUpdate(server, u);
  const before = Y.encodeStateVector(server);
  const t = new Teledossier(server);
  server.transact(() => {
    t.addDocument(entry('d1'));
    t.addSignature({ versionHash: 'h', signedBy: 'u-dr', signerName: 'Dr Martin', rpps: '10003456789', signedAt: '2026-12-02T09:00:00.000Z', documentId: 'd1' });
  });
  await store.docs.append(DOSSIER, Y.encodeStateAsUpdate(server, before));
  const hub = new MemoryHub();
  const registry = new RoomRegistry(store.docs, hub, { compactAfter: 500, onError: () => undefined, clientWritesOf });
  const connect = async (docName = DOSSIER, principal = 'u-nurse') => {
    const socket = new MemorySocket(hub);
    await registry.open(docName);
    const room = registry.join(docName, socket, 'write', principal);
    socket.onClose = () => registry.leave(room, socket);
    const connection = new Connection(socket, room, DEFAULT_CONNECTION_LIMITS);
    // A participant's copy, synced from the room.
    const doc = new Y.Doc();
    connection.receive(encodeSyncStep1(Y.encodeStateVector(doc)));
    for (const m of socket.received) {
      const d = decoding.createDecoder(m);
      if (decoding.readVarUint(d) === MessageType.Sync && decoding.readVarUint(d) === SyncStep.Step2) Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    }
    return { socket, connection, doc, room };
  };
  return { registry, connect };
}

/** The update a participant's copy emits for `edit`. */
function edit(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, before);
}

const stored = (docName = DOSSIER): Promise<Y.Doc> => storedDoc(store, docName);

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('§9 a participant writes only what the document kind lets clients write', () => {
  it('types in a fiche field: applied, stored and sent to the others', async () => {
    const { connect } = await setup();
    const nurse = await connect();
    const doctor = await connect();
    nurse.connection.receive(encodeSyncUpdate(edit(nurse.doc, (d) => new Teledossier(d).field('motif')!.insert(0, 'Chute'))));
    await waitFor(async () => new Teledossier(await stored()).ficheText().motif === 'Chute', 2000, 'stored');
    expect(nurse.socket.closed).toBeNull();
    expect(doctor.socket.received.length).toBeGreaterThan(1);
  });

  it('deleting typed text is allowed too', async () => {
    const { connect } = await setup();
    const nurse = await connect();
    nurse.connection.receive(encodeSyncUpdate(edit(nurse.doc, (d) => new Teledossier(d).field('motif')!.insert(0, 'Chute'))));
    nurse.connection.receive(encodeSyncUpdate(edit(nurse.doc, (d) => new Teledossier(d).field('motif')!.delete(0, 2))));
    await waitFor(async () => new Teledossier(await stored()).ficheText().motif === 'ute', 2000, 'stored');
    expect(nurse.socket.closed).toBeNull();
  });

  it('a long offline merge (a sync step 2 of hundreds of interleaved words) goes through whole', async () => {
    const { connect } = await setup();
    const nurse = await connect();
    // Two copies typing in turn while the server is away, each word beside the other's last one.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(nurse.doc));
    const sentAt = Y.encodeStateVector(nurse.doc);
    for (let i = 0; i < 400; i++) {
      const [writer, reader] = i % 2 ? [nurse.doc, other] : [other, nurse.doc];
      const text = new Teledossier(writer).field('conclusion')!;
      const before = Y.encodeStateVector(writer);
      text.insert(text.length, `m${i} `);
      Y.applyUpdate(reader, Y.encodeStateAsUpdate(writer, before));
    }
    const merged = Y.encodeStateAsUpdate(nurse.doc, sentAt);
    expect(Y.decodeUpdate(merged).structs.length).toBeGreaterThan(300);
    nurse.connection.receive(new Uint8Array([MessageType.Sync, SyncStep.Step2, ...lengthPrefixed(merged)]));
    await waitFor(async () => new Teledossier(await stored()).ficheText().conclusion.length === new Teledossier(nurse.doc).ficheText().conclusion.length, 5000, 'stored');
    expect(nurse.socket.closed).toBeNull();
  });

  const forged: [string, (d: Y.Doc) => void][] = [
    [
      'a signature naming the doctor',
      (d) => new Teledossier(d).addSignature({ versionHash: 'x', signedBy: 'u-dr', signerName: 'Dr Martin', rpps: '10003456789', signedAt: '2026-12-02T10:00:00.000Z', documentId: 'd1' }),
    ],
    ['a document entry', (d) => new Teledossier(d).addDocument(entry('forged'))],
    ['the deletion of the document list', (d) => new Teledossier(d).documents.delete(0, 1)],
    ['the deletion of the signature history', (d) => new Teledossier(d).signatures.delete(0, 1)],
    ['a changed document type', (d) => new Teledossier(d).documents.get(0).set('mimeType', 'text/javascript; charset=utf-16le')],
    ['a changed blob hash', (d) => new Teledossier(d).documents.get(0).set('sha256', 'b'.repeat(64))],
    ['a rewritten meta', (d) => new Teledossier(d).metaMap.set('consultationId', 'other')],
    ['a fiche field replaced by a new text', (d) => new Teledossier(d).fiche.set('motif', new Y.Text('remplacé'))],
    ['a new fiche field', (d) => new Teledossier(d).fiche.set('intrus', new Y.Text('x'))],
    ['a new root type', (d) => d.getText('notes').insert(0, 'x')],
    ['a canvas created for an image', (d) => new Teledossier(d).annotations.set('forged', new Y.Map())],
    ['a photo entry', (d) => new Teledossier(d).photos.push([new Y.Map()])],
  ];
  for (const [what, change] of forged) {
    it(`refuses ${what}: socket closed with ForbiddenWrite, nothing stored or sent`, async () => {
      const { connect } = await setup();
      const nurse = await connect();
      const doctor = await connect();
      const heard = doctor.socket.received.length;
      const before = (await store.docs.load(DOSSIER)).updates.length;
      nurse.connection.receive(encodeSyncUpdate(edit(nurse.doc, change)));
      await settle();
      expect(nurse.socket.closed?.code).toBe(CloseCode.ForbiddenWrite);
      expect((await store.docs.load(DOSSIER)).updates.length).toBe(before);
      expect(doctor.socket.received.length).toBe(heard);
      const t = new Teledossier(await stored());
      expect(t.documentList().map((d) => d.id)).toEqual(['d1']);
      expect(t.signatures.length).toBe(1);
      expect(t.documentList()[0]!.mimeType).toBe('application/pdf');
    });
  }

  it('refuses a forged update even inside a sync step 2 (the offline merge path)', async () => {
    const { connect } = await setup();
    const nurse = await connect();
    const forgedUpdate = edit(nurse.doc, (d) => new Teledossier(d).documents.delete(0, 1));
    nurse.connection.receive(new Uint8Array([MessageType.Sync, SyncStep.Step2, ...lengthPrefixed(forgedUpdate)]));
    await settle();
    expect(nurse.socket.closed?.code).toBe(CloseCode.ForbiddenWrite);
    expect(new Teledossier(await stored()).documentList()).toHaveLength(1);
  });

  it('a room: layout hints are co-edited, the sent list is the server’s', async () => {
    const { connect } = await setup();
    const doctor = await connect(ROOM);
    doctor.connection.receive(encodeSyncUpdate(edit(doctor.doc, (d) => new RoomDoc(d).setSpotlight('peer-1'))));
    await waitFor(async () => new RoomDoc(await stored(ROOM)).spotlight() === 'peer-1', 2000, 'spotlight stored');
    doctor.connection.receive(
      encodeSyncUpdate(edit(doctor.doc, (d) => new RoomDoc(d).sent.push([{ documentId: 'd1', name: 'x.pdf', size: 1, sentAt: '', sentByName: 'x' }]))),
    );
    await settle();
    expect(doctor.socket.closed?.code).toBe(CloseCode.ForbiddenWrite);
    expect(new RoomDoc(await stored(ROOM)).sentDocuments()).toEqual([]);
  });

  it('nesting deeper than any layout of ours is refused, even where clients may write', async () => {
    const { connect } = await setup();
    const doctor = await connect(ROOM);
    doctor.connection.receive(
      encodeSyncUpdate(
        edit(doctor.doc, (d) => {
          let map = new Y.Map<unknown>();
          d.getMap('layout').set('deep', map);
          for (let i = 0; i < 40; i++) {
            const inner = new Y.Map<unknown>();
            map.set('next', inner);
            map = inner;
          }
        }),
      ),
    );
    await settle();
    expect(doctor.socket.closed?.code).toBe(CloseCode.ForbiddenWrite);
    expect(new RoomDoc(await stored(ROOM)).layout.has('deep')).toBe(false);
  });

  it('held-back structs that a server edit completes are checked when they land: never stored', async () => {
    const { connect, registry } = await setup();
    const hostile = await connect();
    // The server's next edit, known in advance (as a stable server client would make it guessable).
    const server = new Y.Doc();
    server.clientID = 424242;
    Y.applyUpdate(server, Y.encodeStateAsUpdate(hostile.doc));
    const beforeServer = Y.encodeStateVector(server);
    new Teledossier(server).addDocument(entry('d2'));
    const serverEdit = Y.encodeStateAsUpdate(server, beforeServer);
    // A forged entry placed right after the server's future one: its place is unknown until then.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    const afterServer = Y.encodeStateVector(copy);
    new Teledossier(copy).addDocument(entry('forged'));
    const heldBack = Y.encodeStateAsUpdate(copy, afterServer);
    hostile.connection.receive(encodeSyncUpdate(heldBack));
    await settle();
    expect(hostile.socket.closed).toBeNull();
    await registry.applyServerUpdate(DOSSIER, serverEdit);
    await settle();
    expect(hostile.socket.closed?.code).toBe(CloseCode.ForbiddenWrite);
    expect(new Teledossier(await stored()).documentList().map((d) => d.id)).toEqual(['d1', 'd2']);
    const fresh = await connect();
    expect(new Teledossier(fresh.doc).documentList().map((d) => d.id)).toEqual(['d1', 'd2']);
  });
});


describe('§9 presence in a call room belongs to whoever set it', () => {
  /** The awareness message a page sends for `clientId` (its state, or null when it leaves). */
  function presence(clientId: number, clock: number, state: unknown): Uint8Array {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState(state as Record<string, unknown> | null);
    awareness.states.set(clientId, state as Record<string, unknown>);
    awareness.meta.set(clientId, { clock, lastUpdated: Date.now() });
    if (state === null) awareness.states.delete(clientId);
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId], state === null ? new Map() : awareness.states);
    awareness.destroy();
    return encodeAwareness(update);
  }
  const call = (name: string) => ({ call: { peerId: null, name, kind: 'professional', muted: false, cameraOff: false, screen: false, audioOnly: false } });

  it('another participant can neither rewrite nor erase it (left out); the same person’s new page takes it over', async () => {
    const { connect } = await setup();
    const doctor = await connect(ROOM, 'u-dr');
    const nurse = await connect(ROOM, 'u-nurse');
    doctor.connection.receive(presence(1001, 1, call('Dr Claire Martin')));
    const states = () => doctor.room.awarenessStates();
    expect((states().get(1001) as { call: { name: string } }).call.name).toBe('Dr Claire Martin');
    // Left out, not closed: stock clients echo the changes they receive.
    nurse.connection.receive(presence(1001, 5, call('Intrus')));
    expect((states().get(1001) as { call: { name: string } }).call.name).toBe('Dr Claire Martin');
    nurse.connection.receive(presence(1001, 6, null));
    expect(states().has(1001)).toBe(true);
    // Her own state goes through, even beside another's in one message.
    nurse.connection.receive(presence(2002, 1, call('Sophie Bernard (IDE)')));
    expect(states().has(2002)).toBe(true);
    expect(nurse.socket.closed).toBeNull();
    // The doctor's page reconnects (the old socket not yet gone): its presence follows it.
    const again = await connect(ROOM, 'u-dr');
    again.connection.receive(presence(1001, 7, call('Dr Claire Martin')));
    expect(again.socket.closed).toBeNull();
    doctor.socket.close(1006, 'gone');
    expect(states().has(1001)).toBe(true);
  });
});

function lengthPrefixed(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let n = bytes.byteLength;
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return [...out, ...bytes];
}