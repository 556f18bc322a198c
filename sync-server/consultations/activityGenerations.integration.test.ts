/**
 * Issue 13: the activity document stays small for ever, and the server's edits do not add a Yjs
 * client per edit. Through the real server (uWS + LMDB) and stock y-websocket clients: presence
 * changes go through the activity feed on the server's room registry, as RoomPresence writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { activityDocName, appointmentsOf, type ActivityAppointment } from '../../schema/activity.ts';
import { ActivityFeed } from './ActivityFeed.ts';
import { DossierEdits } from '../documents/dossierEdits.ts';
import { followServerDoc } from '../../client/sync/serverDoc.ts';
import { login, startRelais, synced, waitFor, yClient, yProvider, type Running } from '../testing/harness.ts';

let relais: Running;
let feed: ActivityFeed;
let docName: string;
beforeAll(async () => {
  relais = await startRelais();
  feed = new ActivityFeed(relais.server.registry);
  docName = activityDocName(relais.demo.establishmentId);
});
afterAll(async () => {
  await relais.stop();
});

const KIB = 1024;
const names = ['Dr Claire Martin', 'Sophie Bernard (IDE)', 'Mme Jeanne Dupont', 'M. Paul Durand'];

/** 50 appointments of the coming hours, as consultation creation writes them. */
function appointments(count: number, prefix: string): ActivityAppointment[] {
  const start = Date.now() + 60 * 60_000;
  return Array.from({ length: count }, (_, i) => ({
    consultationId: `${prefix}${String(i).padStart(4, '0')}`,
    patientName: `Patient ${prefix}${i}`,
    start: new Date(start + i * 15 * 60_000).toISOString(),
    durationMinutes: 20,
    kind: 'scheduled' as const,
    createdByName: 'Dr Claire Martin',
    participants: ['u-doctor', 'u-nurse'],
    inRoom: [],
    startedAt: null,
    endedAt: null,
  }));
}

/**
 * `count` joins and leaves spread over the appointments, each written as RoomPresence does: one
 * server edit each, a round over every consultation at a time (as several calls would).
 */
async function presenceChanges(list: ActivityAppointment[], count: number): Promise<void> {
  const inRoom = new Map<string, string[]>();
  for (let i = 0; i < count; i += list.length) {
    const round: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + list.length); j++) {
      const a = list[j % list.length]!;
      const now = inRoom.get(a.consultationId) ?? [];
      const who = names[Math.floor(j / list.length) % names.length]!;
      const next = now.includes(who) ? now.filter((n) => n !== who) : [...now, who].sort();
      inRoom.set(a.consultationId, next);
      round.push(feed.upsert(relais.demo.establishmentId, { ...a, inRoom: next, startedAt: a.start, endedAt: next.length ? null : a.start }));
    }
    await Promise.all(round);
  }
}

const sameEntries = (a: Map<string, ActivityAppointment>, b: Map<string, ActivityAppointment>): boolean =>
  JSON.stringify([...a].sort(([x], [y]) => x.localeCompare(y))) === JSON.stringify([...b].sort(([x], [y]) => x.localeCompare(y)));

/** What the server's document holds now, by consultation id. */
const serverEntries = (): Promise<Map<string, ActivityAppointment>> => feed.appointments(relais.demo.establishmentId);
const clientEntries = (doc: Y.Doc): Map<string, ActivityAppointment> => new Map(appointmentsOf(doc).entries());
const clientIds = (state: Uint8Array): number => Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state)).size;

describe('issue 13: server edits and the activity document', () => {
  it('server edits keep one client id: the state vector does not grow per edit', async () => {
    const list = appointments(20, 'sv');
    for (const a of list) await feed.upsert(relais.demo.establishmentId, a);
    const before = clientIds(Y.mergeUpdates(await relais.server.registry.readState(docName)));
    await presenceChanges(list, 300);
    const after = clientIds(Y.mergeUpdates(await relais.server.registry.readState(docName)));
    expect(after - before).toBeLessThanOrEqual(1);

    // The same for a dossier: documents added by the server, with no socket open on it.
    const dossiers = new DossierEdits(relais.server.registry);
    const consultationId = relais.demo.consultations[0]!.id;
    const dossierIds = async () => clientIds(Y.mergeUpdates((await relais.store.docs.load(`dossier/${consultationId}`)).updates));
    const dossierBefore = await dossierIds();
    for (let i = 0; i < 100; i++) {
      await dossiers.edit(consultationId, (d) => d.doc.getMap('test-server-edits').set('n', i));
    }
    expect((await dossierIds()) - dossierBefore).toBeLessThanOrEqual(1);
  }, 60_000);

  it('stays under 64 kB, stored and as a new client receives it, after 10,000 presence changes over 50 consultations', async () => {
    const list = appointments(50, 'bd');
    for (const a of list) await feed.upsert(relais.demo.establishmentId, a);
    await presenceChanges(list, 10_000);
    await relais.server.registry.transact(docName, () => undefined);

    const stored = await relais.store.docs.sizeOf(docName);
    const nurse = await login(relais.http, 'ide.demo');
    const viewer = yClient(relais.ws, docName, nurse);
    await waitFor(() => synced(viewer), 10_000, 'viewer synced');
    const received = Y.encodeStateAsUpdate(viewer.doc).byteLength;
    expect(stored).toBeLessThan(64 * KIB);
    expect(received).toBeLessThan(64 * KIB);
    // Bounded, and whole: the viewer sees exactly what the server holds.
    expect(clientEntries(viewer.doc)).toEqual(await serverEntries());
    for (const id of [...list.map((a) => a.consultationId), 'sv0000', 'sv0019']) expect((await serverEntries()).has(id)).toBe(true);
    viewer.destroy();
  }, 240_000);

  it('a client holding an old generation ends with exactly the current entries, none twice, none back', async () => {
    const nurse = await login(relais.http, 'ide.demo');
    // A stock provider that synced before the replacement, then went offline through it.
    const stale = yClient(relais.ws, docName, nurse);
    // The app's own copy, open throughout, and one that will come back after being offline.
    const open = followServerDoc((doc) => yProvider(relais.ws, docName, nurse, doc));
    const away = followServerDoc((doc) => yProvider(relais.ws, docName, nurse, doc));
    await waitFor(() => synced(stale) && open.provider.synced && away.provider.synced, 10_000, 'clients synced');
    const oldIds = new Set(Y.decodeStateVector(Y.encodeStateVector(stale.doc)).keys());
    stale.provider.disconnect();
    away.provider.disconnect();

    // Past the bound: entries removed and added, presence changed until a new generation is stored.
    const gone = [...(await serverEntries()).keys()].filter((id) => id.startsWith('sv'));
    for (const id of gone) await feed.remove(relais.demo.establishmentId, id);
    const fresh = appointments(10, 'nw');
    for (const a of fresh) await feed.upsert(relais.demo.establishmentId, a);
    const replaced = async () => {
      const ids = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates((await relais.store.docs.load(docName)).updates)));
      return ![...oldIds].some((id) => ids.has(id));
    };
    const list = [...(await serverEntries()).values()];
    for (let round = 0; round < 20 && !(await replaced()); round++) await presenceChanges(list, 500);
    expect(await replaced()).toBe(true);
    const current = await serverEntries();
    expect([...current.keys()].some((id) => id.startsWith('sv'))).toBe(false);

    // The copy that stayed open followed the replacement.
    await waitFor(() => open.generations > 0 && sameEntries(clientEntries(open.doc), current), 10_000, 'open copy follows');
    expect(clientEntries(open.doc)).toEqual(current);

    // The one that was away comes back: told its copy is an old generation, it syncs afresh.
    away.provider.connect();
    await waitFor(() => away.generations > 0 && sameEntries(clientEntries(away.doc), current), 10_000, 'away copy follows');
    expect(clientEntries(away.doc)).toEqual(current);

    // A stock provider coming back with the old copy is refused, never sent the new generation
    // to merge into it (which would bring removed entries back).
    const closed = new Promise<number>((resolve) => stale.provider.on('closed', ({ code }: { code: number }) => resolve(code)));
    stale.provider.connect();
    expect(await closed).toBe(4410);
    expect([...clientEntries(stale.doc).keys()].some((id) => id.startsWith('nw'))).toBe(false);

    stale.destroy();
    open.destroy();
    away.destroy();
  }, 240_000);
});
