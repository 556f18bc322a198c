/**
 * Who is in each call room, for «Mes rendez-vous» (SPEC §2, §7.3): the participants whose
 * awareness in `room/<consultationId>` carries a call presence with a peer id this server issued a
 * ticket for, named as on their ticket, are written
 * to the appointment's `inRoom` in the establishment's activity document, so a colleague sees a
 * patient join without reloading. A page that closes or loses the network drops out with its
 * awareness (at once on close, after the awareness timeout otherwise).
 */
import * as Y from 'yjs';
import { activityDocName, appointmentsOf } from '../../schema/activity.ts';
import { isCallPresence } from '../../schema/room.ts';
import type { Store } from '../store/index.ts';
import { issuedTickets, type IssuedTicket, type IssuedTickets } from '../auth/issuedTickets.ts';
import type { ActivityFeed, ServerDocWriter } from './ActivityFeed.ts';

/** Awareness renews every 15 s per client: changes are gathered this long before one write. */
const SETTLE_MS = 300;

export interface PresenceSource {
  name: string;
  awarenessStates(): Map<number, Record<string, unknown>>;
}

/**
 * The participants in the call of a room now: awareness states that carry a call presence whose
 * peer id this server issued for the consultation, as their tickets say (one per peer).
 */
export function callersOf(
  states: Map<number, Record<string, unknown>>,
  consultationId: string,
  tickets: Pick<IssuedTickets, 'lookup'> = issuedTickets,
): IssuedTicket[] {
  return [...states.values()]
    .map((state) => state.call)
    .filter(isCallPresence)
    .map((call) => (call.peerId ? tickets.lookup(call.peerId, consultationId) : null))
    .filter((ticket): ticket is IssuedTicket => ticket !== null);
}

export class RoomPresence {
  private readonly last = new Map<string, string>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly store: Store,
    private readonly docs: ServerDocWriter,
    private readonly feed: ActivityFeed,
    private readonly log: (message: string) => void,
    private readonly tickets: Pick<IssuedTickets, 'lookup'> = issuedTickets,
  ) {}

  changed(room: PresenceSource): void {
    if (!room.name.startsWith('room/')) return;
    const consultationId = room.name.slice('room/'.length);
    // Names from the tickets: a page could publish any name in its awareness.
    const names = callersOf(room.awarenessStates(), consultationId, this.tickets)
      .map((caller) => caller.name)
      .sort((a, b) => a.localeCompare(b, 'fr'));
    const key = JSON.stringify(names);
    if (this.last.get(consultationId) === key) return;
    this.last.set(consultationId, key);
    if (names.length === 0) this.last.delete(consultationId);
    clearTimeout(this.pending.get(consultationId));
    this.pending.set(
      consultationId,
      setTimeout(() => {
        this.pending.delete(consultationId);
        this.write(consultationId, names).catch((error: unknown) =>
          this.log(`presence: ${error instanceof Error ? error.message : 'error'}`),
        );
      }, SETTLE_MS),
    );
  }

  private async write(consultationId: string, inRoom: string[]): Promise<void> {
    const consultation = this.store.consultations.get(consultationId);
    if (!consultation) return;
    const doc = new Y.Doc();
    try {
      for (const update of this.docs.readState(activityDocName(consultation.establishmentId))) Y.applyUpdate(doc, update);
      const current = appointmentsOf(doc).get(consultationId);
      if (!current || JSON.stringify(current.inRoom) === JSON.stringify(inRoom)) return;
      const now = new Date().toISOString();
      const joined = current.inRoom.length === 0 && inRoom.length > 0;
      const emptied = current.inRoom.length > 0 && inRoom.length === 0;
      await this.feed.upsert(consultation.establishmentId, {
        ...current,
        inRoom,
        startedAt: joined ? (current.startedAt ?? now) : (current.startedAt ?? null),
        endedAt: emptied ? now : joined ? null : (current.endedAt ?? null),
      });
    } finally {
      doc.destroy();
    }
  }

  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
