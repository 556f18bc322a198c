/**
 * Peer tickets (SPEC §7.2, ARCHITECTURE "Calls"): the sync server gives each participant who may
 * enter a consultation's room a PeerJS id and a token that signs it, bound to that consultation
 * and that participant, valid for a short while. The peer server admits a WebSocket only when its
 * `token` verifies for its `id`; PeerJS's own `key` is a shared constant, not an authentication.
 *
 * Token: base64url(JSON payload) "." base64url(HMAC-SHA256(secret, payload)). The peer id is
 * `p<tag>_<random>` (PeerJS ids allow only letters, digits and single - or _): the tag, 16 hex
 * characters of an HMAC of the consultation id, is the same for every peer of one consultation, so
 * that a proxy in front of several nodes hashes on it and the peers of one call meet on one peer
 * server (scripts/cluster/haproxy.ts); keyed with the ticket secret, it tells nothing of which
 * consultation it is, and the random part nothing of the person.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a ticket admits a new signalling connection. A call outlives it: the client asks again. */
export const PEER_TICKET_TTL_MS = 15 * 60_000;

export type ParticipantKind = 'professional' | 'guest';

export interface PeerTicket {
  peerId: string;
  consultationId: string;
  participant: { kind: ParticipantKind; id: string };
  /** Epoch ms after which the peer server refuses the ticket. */
  expiresAt: number;
}

export type TicketRefusal = 'malformed' | 'forged' | 'expired' | 'wrong_id';

const sign = (secret: Buffer, payload: string): Buffer => createHmac('sha256', secret).update(payload).digest();

/** A peer id's shape: `p`, the consultation's routing tag, `_`, 32 random hex characters. */
export const PEER_ID = /^p[0-9a-f]{16}_[0-9a-f]{32}$/;

/** The routing tag of a consultation: every node derives the same one, since they share the ticket secret. */
export const peerRouteTag = (secret: Buffer, consultationId: string): string => sign(secret, `route ${consultationId}`).subarray(0, 8).toString('hex');

export const newPeerId = (secret: Buffer, consultationId: string): string => `p${peerRouteTag(secret, consultationId)}_${randomBytes(16).toString('hex')}`;

export function issuePeerTicket(
  secret: Buffer,
  fields: Omit<PeerTicket, 'peerId' | 'expiresAt'> & { expiresAt?: number },
  now = Date.now(),
): { ticket: PeerTicket; token: string } {
  const ticket: PeerTicket = {
    peerId: newPeerId(secret, fields.consultationId),
    consultationId: fields.consultationId,
    participant: fields.participant,
    expiresAt: Math.min(fields.expiresAt ?? Infinity, now + PEER_TICKET_TTL_MS),
  };
  const payload = Buffer.from(JSON.stringify(ticket)).toString('base64url');
  return { ticket, token: `${payload}.${sign(secret, payload).toString('base64url')}` };
}

/** The ticket `token` carries for peer `peerId`, or why it is refused. */
export function verifyPeerTicket(
  secret: Buffer,
  peerId: string,
  token: string,
  now = Date.now(),
): { ok: true; ticket: PeerTicket } | { ok: false; reason: TicketRefusal } {
  if (token.length > 2048) return { ok: false, reason: 'malformed' };
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(secret, payload);
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let ticket: PeerTicket;
  try {
    ticket = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PeerTicket;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof ticket.peerId !== 'string' || typeof ticket.consultationId !== 'string' || typeof ticket.expiresAt !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  if (ticket.peerId !== peerId) return { ok: false, reason: 'wrong_id' };
  if (now >= ticket.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, ticket };
}
