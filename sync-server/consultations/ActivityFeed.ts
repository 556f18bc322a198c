/**
 * Writes the `activity/<establishmentId>` documents (SPEC §2, layout in schema/activity.ts): the
 * server is their only writer. Edits run on the live room (RoomRegistry.transact), so they are
 * stored in order with the log and reach every open «Vue activité» at once, under one server
 * client id. The document holds only what the view needs now; once it has grown past a bound with
 * the traces of past edits, the room replaces it with a fresh generation (`freshActivity`).
 */
import * as Y from 'yjs';
import { activityDocName, appointmentsOf, type ActivityAppointment } from '../../schema/activity.ts';
import { roomWindow } from '../../schema/consultation.ts';
import type { DocStore } from '../store/contract.ts';

/** What the feed needs of the room registry. */
export interface ServerDocWriter {
  /** Runs `edit` as the server on the document; resolves once stored. */
  transact<T>(docName: string, edit: (doc: Y.Doc) => T): Promise<T>;
  /** Runs `read` on the document as it is now; `read` must not change it. */
  read<T>(docName: string, read: (doc: Y.Doc) => T): Promise<T>;
}

/**
 * Writes straight to the store, for tools that run without a server (demo seeding): each edit
 * loads the document, but all of one writer's edits share one client id.
 */
export function offlineDocWriter(docs: DocStore): ServerDocWriter {
  const clientId = new Y.Doc().clientID;
  const load = async (name: string): Promise<Y.Doc> => {
    const { updates } = await docs.load(name);
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    return doc;
  };
  return {
    async read(name, read) {
      const doc = await load(name);
      try {
        return read(doc);
      } finally {
        doc.destroy();
      }
    },
    async transact(name, edit) {
      const doc = await load(name);
      try {
        const before = Y.encodeStateVector(doc);
        // After loading: Yjs continues the id's clock from what is stored.
        doc.clientID = clientId;
        let result!: ReturnType<typeof edit>;
        doc.transact(() => {
          result = edit(doc);
        });
        const update = Y.encodeStateAsUpdate(doc, before);
        if (await docs.exists(name)) await docs.append(name, update);
        else await docs.create(name, update);
        return result;
      } finally {
        doc.destroy();
      }
    },
  };
}

/**
 * What a fresh generation of an activity document holds: the appointments as they are now, and
 * nothing of how they came to be (the joins and leaves are in the audit log).
 */
export function freshActivity(current: Y.Doc, fresh: Y.Doc): void {
  const appointments = appointmentsOf(fresh);
  for (const [id, value] of appointmentsOf(current).entries()) appointments.set(id, value);
}

export class ActivityFeed {
  constructor(private readonly docs: ServerDocWriter) {}

  /** Adds or replaces one appointment; drops those whose room has closed. */
  async upsert(establishmentId: string, appointment: ActivityAppointment, now = Date.now()): Promise<void> {
    await this.docs.transact(activityDocName(establishmentId), (doc) => {
      const map = appointmentsOf(doc);
      dropClosed(map, now);
      map.set(appointment.consultationId, appointment);
    });
  }

  /**
   * Changes one appointment from what it holds now, in one server edit: `change` returns the new
   * value, or null to leave it as it is. Resolves with what was written (null: nothing).
   */
  async update(
    establishmentId: string,
    consultationId: string,
    change: (current: ActivityAppointment) => ActivityAppointment | null,
    now = Date.now(),
  ): Promise<ActivityAppointment | null> {
    return this.docs.transact(activityDocName(establishmentId), (doc) => {
      const map = appointmentsOf(doc);
      const current = map.get(consultationId);
      const next = current ? change(current) : null;
      if (!next) return null;
      dropClosed(map, now);
      map.set(consultationId, next);
      return next;
    });
  }

  /** The establishment's appointments as they stand, by consultation id. */
  appointments(establishmentId: string): Promise<Map<string, ActivityAppointment>> {
    return this.docs.read(activityDocName(establishmentId), (doc) => new Map(appointmentsOf(doc).entries()));
  }

  async remove(establishmentId: string, consultationId: string): Promise<void> {
    await this.docs.transact(activityDocName(establishmentId), (doc) => {
      const map = appointmentsOf(doc);
      if (map.has(consultationId)) map.delete(consultationId);
    });
  }
}

function dropClosed(map: Y.Map<ActivityAppointment>, now: number): void {
  for (const [id, value] of map.entries()) {
    if (roomWindow(value).closesAt < now) map.delete(id);
  }
}
