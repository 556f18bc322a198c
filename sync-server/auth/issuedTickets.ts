/**
 * The peer tickets this server issued, by peer id: who a peer id really is. Awareness is written
 * by the clients themselves, so the name a page publishes there is a claim; the name on its ticket
 * comes from the account or the invitation. Entries go an hour after their ticket's end.
 */
import type { PeerTicket } from './peerTicket.ts';

export interface IssuedTicket {
  consultationId: string;
  /** The account (professional) or invitation (guest) the ticket was issued to. */
  participantId: string;
  name: string;
  kind: PeerTicket['participant']['kind'];
  expiresAt: number;
}

export const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

/**
 * Where issued tickets are kept: this process's memory (one node), or Redis in a cluster
 * (cluster/issuedTickets.ts), so that a room's presence on one node knows a ticket another issued.
 */
export interface TicketRegistry {
  /** Resolves once the ticket can be looked up (on every node): before it is handed out. */
  record(ticket: PeerTicket, name: string, now?: number): Promise<void>;
  /** The ticket behind a peer id, when it was issued for this consultation. */
  lookup(peerId: string, consultationId: string): Promise<IssuedTicket | null>;
}

export function issuedEntry(ticket: PeerTicket, name: string): IssuedTicket {
  return { consultationId: ticket.consultationId, participantId: ticket.participant.id, name, kind: ticket.participant.kind, expiresAt: ticket.expiresAt };
}

export class IssuedTickets implements TicketRegistry {
  private readonly byPeer = new Map<string, IssuedTicket>();

  record(ticket: PeerTicket, name: string, now = Date.now()): Promise<void> {
    this.recordSync(ticket, name, now);
    return Promise.resolve();
  }

  recordSync(ticket: PeerTicket, name: string, now = Date.now()): void {
    if (this.byPeer.size > 0 && this.byPeer.size % 256 === 0) this.prune(now);
    this.byPeer.set(ticket.peerId, issuedEntry(ticket, name));
  }

  lookup(peerId: string, consultationId: string): Promise<IssuedTicket | null> {
    return Promise.resolve(this.lookupSync(peerId, consultationId));
  }

  lookupSync(peerId: string, consultationId: string): IssuedTicket | null {
    const entry = this.byPeer.get(peerId);
    return entry && entry.consultationId === consultationId ? entry : null;
  }

  prune(now = Date.now()): void {
    for (const [peerId, entry] of this.byPeer) if (now > entry.expiresAt + KEEP_AFTER_EXPIRY_MS) this.byPeer.delete(peerId);
  }
}

/** The process's record on a single node: the ticket route writes it, room presence reads it. */
export const issuedTickets = new IssuedTickets();
