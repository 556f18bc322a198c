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

const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

export class IssuedTickets {
  private readonly byPeer = new Map<string, IssuedTicket>();

  record(ticket: PeerTicket, name: string, now = Date.now()): void {
    if (this.byPeer.size > 0 && this.byPeer.size % 256 === 0) this.prune(now);
    this.byPeer.set(ticket.peerId, {
      consultationId: ticket.consultationId,
      participantId: ticket.participant.id,
      name,
      kind: ticket.participant.kind,
      expiresAt: ticket.expiresAt,
    });
  }

  /** The ticket behind a peer id, when it was issued for this consultation. */
  lookup(peerId: string, consultationId: string): IssuedTicket | null {
    const entry = this.byPeer.get(peerId);
    return entry && entry.consultationId === consultationId ? entry : null;
  }

  prune(now = Date.now()): void {
    for (const [peerId, entry] of this.byPeer) if (now > entry.expiresAt + KEEP_AFTER_EXPIRY_MS) this.byPeer.delete(peerId);
  }
}

/** The process's record: the ticket route writes it, room presence reads it. */
export const issuedTickets = new IssuedTickets();
