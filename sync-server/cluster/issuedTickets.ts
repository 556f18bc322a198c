/**
 * Issued peer tickets in Redis (auth/issuedTickets.ts): one key per peer id, gone an hour after
 * the ticket's end, so that a room's presence on node B names a participant whose ticket node A
 * issued. A ticket never changes once issued, so each node also keeps those it issued or read.
 *
 * When Redis is away: a node still knows the tickets it issued and those it already read; a
 * participant whose ticket came from another node during the outage is not named in «Mes
 * rendez-vous» nor in the call's tiles until Redis is back (the call itself goes on: the peer
 * server checks the ticket's signature, not this record).
 */
import type { PeerTicket } from '../auth/peerTicket.ts';
import { IssuedTickets, KEEP_AFTER_EXPIRY_MS, issuedEntry, type IssuedTicket, type TicketRegistry } from '../auth/issuedTickets.ts';
import type { RedisLink } from './redis.ts';

const KEY_PREFIX = 'relais:peer-ticket:';

function parse(raw: string | null): IssuedTicket | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<IssuedTicket>;
    if (typeof value.consultationId !== 'string' || typeof value.participantId !== 'string' || typeof value.name !== 'string') return null;
    if ((value.kind !== 'professional' && value.kind !== 'guest') || typeof value.expiresAt !== 'number') return null;
    return { consultationId: value.consultationId, participantId: value.participantId, name: value.name, kind: value.kind, expiresAt: value.expiresAt };
  } catch {
    return null;
  }
}

export class RedisIssuedTickets implements TicketRegistry {
  private readonly known = new IssuedTickets();

  constructor(
    private readonly link: RedisLink,
    /** Redis failures, without the ticket's content. */
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async record(ticket: PeerTicket, name: string, now = Date.now()): Promise<void> {
    this.known.recordSync(ticket, name, now);
    const keepUntil = ticket.expiresAt + KEEP_AFTER_EXPIRY_MS;
    if (keepUntil <= now) return;
    try {
      await this.link.command((redis) => redis.set(KEY_PREFIX + ticket.peerId, JSON.stringify(issuedEntry(ticket, name)), 'PXAT', keepUntil));
    } catch (error) {
      // The ticket is still valid (signed); only other nodes will not name its holder.
      this.log(`issued tickets: not shared (${error instanceof Error ? error.name : 'error'})`);
    }
  }

  async lookup(peerId: string, consultationId: string): Promise<IssuedTicket | null> {
    const known = this.known.lookupSync(peerId, consultationId);
    if (known) return known;
    if (!this.link.ready) return null;
    let entry: IssuedTicket | null;
    try {
      entry = parse(await this.link.command((redis) => redis.get(KEY_PREFIX + peerId)));
    } catch {
      return null;
    }
    if (!entry || entry.consultationId !== consultationId) return null;
    this.known.recordSync(
      { peerId, consultationId: entry.consultationId, participant: { kind: entry.kind, id: entry.participantId }, expiresAt: entry.expiresAt },
      entry.name,
    );
    return entry;
  }
}
