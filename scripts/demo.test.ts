import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { openStore, type Store } from '../sync-server/store/index.ts';
import { tempDataDir } from '../sync-server/testing/harness.ts';
import { activityDocName, appointmentsOf } from '../schema/activity.ts';
import { roomDocName } from '../schema/room.ts';
import { Teledossier, dossierDocName } from '../schema/dossier.ts';
import { seedDemo } from './demo.ts';

let store: Store;
let dir: string;
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('§2 demo data', () => {
  it('seeds consultations whose dossier and room exist and which «Mes rendez-vous» lists', async () => {
    dir = tempDataDir();
    store = openStore(dir);
    const demo = await seedDemo(store);
    const activity = new Y.Doc();
    for (const u of (await store.docs.load(activityDocName(demo.establishmentId))).updates) Y.applyUpdate(activity, u);
    const appointments = appointmentsOf(activity);
    expect([...appointments.keys()].sort()).toEqual(demo.consultations.map((c) => c.id).sort());
    expect(appointments.get(demo.consultations[0]!.id)?.patientName).toBe('Jeanne DUPONT');
    for (const c of demo.consultations) {
      expect(await store.docs.exists(roomDocName(c.id))).toBe(true);
      const dossier = new Y.Doc();
      for (const u of (await store.docs.load(dossierDocName(c.id))).updates) Y.applyUpdate(dossier, u);
      expect(new Teledossier(dossier).isInitialised).toBe(true);
    }
  });
});
