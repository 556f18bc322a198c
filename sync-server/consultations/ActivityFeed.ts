/**
 * Writes the `activity/<establishmentId>` documents (SPEC §2, layout in schema/activity.ts): the
 * server is their only writer. Edits go through the room registry, so they are stored in order
 * with the log and reach every open «Vue activité» at once.
 */
import * as Y from 'yjs';
import { activityDocName, appointmentsOf, type ActivityAppointment } from '../../schema/activity.ts';
import { roomWindow } from '../../schema/consultation.ts';
import type { DocStore } from '../store/docLog.ts';

/** What the feed needs of the room registry. */
export interface ServerDocWriter {
  applyServerUpdate(docName: string, update: Uint8Array): Promise<void>;
  readState(docName: string): Uint8Array[];
}

/** Writes straight to the store, for tools that run without a server (demo seeding). */
export function offlineDocWriter(docs: DocStore): ServerDocWriter {
  return {
    readState: (name) => docs.load(name).updates,
    async applyServerUpdate(name, update) {
      if (docs.exists(name)) await docs.append(name, docs.load(name).lastSeq + 1, update);
      else await docs.create(name, update);
    },
  };
}

export class ActivityFeed {
  constructor(private readonly docs: ServerDocWriter) {}

  /** Adds or replaces one appointment; drops those whose room has closed. */
  async upsert(establishmentId: string, appointment: ActivityAppointment, now = Date.now()): Promise<void> {
    await this.edit(establishmentId, (map) => {
      for (const [id, value] of map.entries()) {
        if (roomWindow(value).closesAt < now) map.delete(id);
      }
      map.set(appointment.consultationId, appointment);
    });
  }

  /** The establishment's appointments as they stand, by consultation id. */
  appointments(establishmentId: string): Map<string, ActivityAppointment> {
    const doc = new Y.Doc();
    try {
      for (const update of this.docs.readState(activityDocName(establishmentId))) Y.applyUpdate(doc, update);
      return new Map(appointmentsOf(doc).entries());
    } finally {
      doc.destroy();
    }
  }

  async remove(establishmentId: string, consultationId: string): Promise<void> {
    await this.edit(establishmentId, (map) => map.delete(consultationId));
  }

  private async edit(establishmentId: string, change: (map: Y.Map<ActivityAppointment>) => void): Promise<void> {
    const name = activityDocName(establishmentId);
    const doc = new Y.Doc();
    try {
      for (const update of this.docs.readState(name)) Y.applyUpdate(doc, update);
      const before = Y.encodeStateVector(doc);
      doc.transact(() => change(appointmentsOf(doc)));
      await this.docs.applyServerUpdate(name, Y.encodeStateAsUpdate(doc, before));
    } finally {
      doc.destroy();
    }
  }
}
