/**
 * Issue 13: the server's own edits run on the live room (RoomRegistry.transact), under one client
 * id per server start, and a room loaded for them stays a while for the next one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { openStore, type Store } from '../store/index.ts';
import { tempDataDir } from '../testing/harness.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { MemoryHub, MemorySocket } from '../testing/memory.ts';
import { RoomRegistry } from './RoomRegistry.ts';

let store: Store;
let dir: string;
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DOC = 'dossier/s1';
const registryOn = (s: Store, hub = new MemoryHub()) =>
  new RoomRegistry(s.docs, hub, { compactAfter: 500, onError: () => undefined, clientWritesOf: () => null });
const stored = (): Promise<Y.Doc> => storedDoc(store, DOC);

describe('server edits through the live room', () => {
  it('one client id per server start, clocks continued across a restart, never reused', async () => {
    dir = tempDataDir();
    store = openStore(dir);
    const first = registryOn(store);
    for (let i = 0; i < 50; i++) await first.transact(DOC, (doc) => doc.getArray<number>('log').push([i]));
    await first.shutdown();
    // A new start on the same store: a new id, and the first one's edits all kept.
    const second = registryOn(store);
    expect(second.serverClientId).not.toBe(first.serverClientId);
    for (let i = 50; i < 100; i++) await second.transact(DOC, (doc) => doc.getArray<number>('log').push([i]));
    await second.shutdown();
    const doc = await stored();
    expect(Y.decodeStateVector(Y.encodeStateVector(doc)).size).toBe(2);
    expect(doc.getArray<number>('log').toArray()).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('a server edit reaches the open sockets, and reads see the live document', async () => {
    dir = tempDataDir();
    store = openStore(dir);
    const hub = new MemoryHub();
    const registry = registryOn(store, hub);
    const socket = new MemorySocket(hub);
    await registry.open(DOC);
    const room = registry.join(DOC, socket, 'write');
    await registry.transact(DOC, (doc) => doc.getMap('meta').set('title', 'Bilan'));
    expect(socket.received.length).toBeGreaterThan(1);
    const result = await registry.transact(DOC, (doc) => doc.getMap('meta').get('title'));
    expect(result).toBe('Bilan');
    expect(await registry.read(DOC, (doc) => doc.getMap('meta').get('title'))).toBe('Bilan');
    registry.leave(room, socket);
    await registry.shutdown();
  });

  it('a room loaded for a server edit stays loaded for the next one, and goes at shutdown', async () => {
    dir = tempDataDir();
    store = openStore(dir);
    const registry = registryOn(store);
    await registry.transact(DOC, (doc) => doc.getMap('meta').set('n', 1));
    expect(registry.roomCount).toBe(1);
    await registry.transact(DOC, (doc) => doc.getMap('meta').set('n', 2));
    expect(registry.roomCount).toBe(1);
    await registry.shutdown();
    expect(registry.roomCount).toBe(0);
    expect((await stored()).getMap('meta').get('n')).toBe(2);
  });
});
