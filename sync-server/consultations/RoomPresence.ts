/**
 * Who is in each call room, for «Mes rendez-vous» (SPEC §2, §7.3): the participants whose
 * awareness in `room/<consultationId>` carries a call presence with a peer id this server issued a
 * ticket for, named as on their ticket, are written
 * to the appointment's `inRoom` in the establishment's activity document, so a colleague sees a
 * patient join without reloading. A page that closes or loses the network drops out with its
 * awareness (at once on close, after the awareness timeout otherwise).
 *
 * The activity document holds who is in the room now, never who came and went: each join and
 * leave of the call is an audit event (`call.join`, `call.leave`: the participant's account or
 * invitation id, the consultation; no name).
 */
import { isCallPresence } from '../../schema/room.ts';
import type { Store } from '../store/index.ts';
import { audit } from '../audit/audit.ts';
import { issuedTickets, type IssuedTicket, type TicketRegistry } from '../auth/issuedTickets.ts';
import type { ActivityFeed } from './ActivityFeed.ts';

/** Awareness renews every 15 s per client: changes are gathered this long before one write. */
const SETTLE_MS = 300;

export interface PresenceSource {
  name: string;
  awarenessStates(): Map<number, Record<string, unknown>>;
}

/** The peer ids awareness states claim for the call, in order, once each. */
export function callPeerIds(states: Map<number, Record<string, unknown>>): string[] {
  const ids = [...states.values()]
    .map((state) => state.call)
    .filter(isCallPresence)
    .map((call) => call.peerId)
    .filter((peerId): peerId is string => typeof peerId === 'string' && peerId !== '');
  return [...new Set(ids)];
}

/**
 * The participants in the call of a room now: awareness states that carry a call presence whose
 * peer id this server (or, in a cluster, any node) issued for the consultation, as their tickets
 * say (one per peer).
 */
export async function callersOf(
  states: Map<number, Record<string, unknown>>,
  consultationId: string,
  tickets: Pick<TicketRegistry, 'lookup'> = issuedTickets,
): Promise<IssuedTicket[]> {
  const found = await Promise.all(callPeerIds(states).map((peerId) => tickets.lookup(peerId, consultationId)));
  return found.filter((ticket): ticket is IssuedTicket => ticket !== null);
}

export class RoomPresence {
  /** Per consultation, the names last written. */
  private readonly last = new Map<string, string>();
  /** Per consultation, the peer ids claimed at the last change seen: renewals that change none cost nothing. */
  private readonly lastPeers = new Map<string, string>();
  /** Per consultation, a count of the reads of tickets started: a slower, older one writes nothing. */
  private readonly generation = new Map<string, number>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per consultation, who was in the call at the last write (ticket participant id → kind). */
  private readonly audited = new Map<string, Map<string, IssuedTicket['kind']>>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly feed: ActivityFeed,
    private readonly log: (message: string) => void,
    private readonly tickets: Pick<TicketRegistry, 'lookup'> = issuedTickets,
  ) {}

  changed(room: PresenceSource): void {
    if (!room.name.startsWith('room/') || this.stopped) return;
    const consultationId = room.name.slice('room/'.length);
    const peers = JSON.stringify(callPeerIds(room.awarenessStates()).sort());
    if (this.lastPeers.get(consultationId) === peers) return;
    this.lastPeers.set(consultationId, peers);
    clearTimeout(this.pending.get(consultationId));
    this.pending.set(
      consultationId,
      setTimeout(() => {
        this.pending.delete(consultationId);
        this.settle(room, consultationId).catch((error: unknown) => this.log(`presence: ${error instanceof Error ? error.message : 'error'}`));
      }, SETTLE_MS),
    );
  }

  /** Reads the tickets behind the room's peer ids (Redis in a cluster), then writes what changed. */
  private async settle(room: PresenceSource, consultationId: string): Promise<void> {
    const generation = (this.generation.get(consultationId) ?? 0) + 1;
    this.generation.set(consultationId, generation);
    const states = room.awarenessStates();
    const claimed = callPeerIds(states).length;
    // Names from the tickets: a page could publish any name in its awareness.
    const callers = await callersOf(states, consultationId, this.tickets);
    if (this.stopped || this.generation.get(consultationId) !== generation) return;
    // A peer id without a ticket (forged, or not readable now): looked up again at the next
    // renewal. An empty call is forgotten (and written again on a change, as before).
    if (callers.length < claimed || claimed === 0) {
      this.lastPeers.delete(consultationId);
      this.generation.delete(consultationId);
    }
    const names = callers.map((caller) => caller.name).sort((a, b) => a.localeCompare(b, 'fr'));
    const key = JSON.stringify(names);
    if (this.last.get(consultationId) === key) return;
    if (names.length === 0) this.last.delete(consultationId);
    else this.last.set(consultationId, key);
    this.auditMoves(consultationId, callers);
    await this.write(consultationId, names);
  }

  private async write(consultationId: string, inRoom: string[]): Promise<void> {
    const consultation = await this.store.consultations.get(consultationId);
    if (!consultation) return;
    await this.feed.update(consultation.establishmentId, consultationId, (current) => {
      if (JSON.stringify(current.inRoom) === JSON.stringify(inRoom)) return null;
      const now = new Date().toISOString();
      const joined = current.inRoom.length === 0 && inRoom.length > 0;
      const emptied = current.inRoom.length > 0 && inRoom.length === 0;
      return {
        ...current,
        inRoom,
        startedAt: joined ? (current.startedAt ?? now) : (current.startedAt ?? null),
        endedAt: emptied ? now : joined ? null : (current.endedAt ?? null),
      };
    });
  }

  /** One audit event per participant who joined or left the call since the last write. */
  private auditMoves(consultationId: string, callers: IssuedTicket[]): void {
    const before = this.audited.get(consultationId) ?? new Map<string, IssuedTicket['kind']>();
    const now = new Map(callers.map((caller) => [caller.participantId, caller.kind] as const));
    if (now.size === 0) this.audited.delete(consultationId);
    else this.audited.set(consultationId, now);
    const event = (type: 'call.join' | 'call.leave', participantId: string, kind: IssuedTicket['kind']) =>
      // A professional acts under her account; a guest is named by her invitation's id only.
      void audit(
        { store: this.store },
        kind === 'guest'
          ? { type, actorId: null, consultationId, detail: `invitation ${participantId}` }
          : { type, actorId: participantId, consultationId },
      );
    for (const [id, kind] of now) if (!before.has(id)) event('call.join', id, kind);
    for (const [id, kind] of before) if (!now.has(id)) event('call.leave', id, kind);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
