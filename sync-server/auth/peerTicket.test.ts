import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issuePeerTicket, PEER_ID, PEER_TICKET_TTL_MS, verifyPeerTicket } from './peerTicket.ts';

const secret = randomBytes(32);
const fields = { consultationId: 'c1', participant: { kind: 'professional' as const, id: 'u1' } };

describe('§7.2 peer tickets', () => {
  it('a ticket verifies for its own peer id, bound to its consultation and participant', () => {
    const { ticket, token } = issuePeerTicket(secret, fields, 1_000);
    expect(ticket.peerId).toMatch(PEER_ID);
    const verdict = verifyPeerTicket(secret, ticket.peerId, token, 2_000);
    expect(verdict).toEqual({ ok: true, ticket: { ...fields, peerId: ticket.peerId, expiresAt: 1_000 + PEER_TICKET_TTL_MS } });
  });

  it('each ticket has a new random peer id', () => {
    const ids = new Set(Array.from({ length: 50 }, () => issuePeerTicket(secret, fields).ticket.peerId));
    expect(ids.size).toBe(50);
  });

  it('the peers of one consultation share the routing part of their ids, whoever they are; other consultations do not', () => {
    const tag = (id: string): string => id.split('_')[0]!;
    const doctor = issuePeerTicket(secret, fields).ticket.peerId;
    const guest = issuePeerTicket(secret, { consultationId: 'c1', participant: { kind: 'guest', id: 'g1' } }).ticket.peerId;
    const elsewhere = issuePeerTicket(secret, { ...fields, consultationId: 'c2' }).ticket.peerId;
    expect(tag(guest)).toBe(tag(doctor));
    expect(tag(elsewhere)).not.toBe(tag(doctor));
    // Keyed: another deployment (another secret) gives the same consultation another tag.
    expect(tag(issuePeerTicket(randomBytes(32), fields).ticket.peerId)).not.toBe(tag(doctor));
  });

  it('a ticket expires after its TTL, or earlier when the room window closes first', () => {
    const { ticket, token } = issuePeerTicket(secret, fields, 0);
    expect(verifyPeerTicket(secret, ticket.peerId, token, PEER_TICKET_TTL_MS - 1).ok).toBe(true);
    expect(verifyPeerTicket(secret, ticket.peerId, token, PEER_TICKET_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
    const guest = issuePeerTicket(secret, { ...fields, expiresAt: 60_000 }, 0);
    expect(guest.ticket.expiresAt).toBe(60_000);
    expect(verifyPeerTicket(secret, guest.ticket.peerId, guest.token, 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a ticket presented for another peer id is refused', () => {
    const a = issuePeerTicket(secret, fields);
    const b = issuePeerTicket(secret, fields);
    expect(verifyPeerTicket(secret, b.ticket.peerId, a.token)).toEqual({ ok: false, reason: 'wrong_id' });
  });

  it('a forged ticket is refused: edited payload, other secret, or garbage', () => {
    const { ticket, token } = issuePeerTicket(secret, fields);
    const [payload, mac] = token.split('.') as [string, string];
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { consultationId: string };
    edited.consultationId = 'c2';
    const forgedPayload = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`;
    expect(verifyPeerTicket(secret, ticket.peerId, forgedPayload)).toEqual({ ok: false, reason: 'forged' });
    const otherSecret = issuePeerTicket(randomBytes(32), fields);
    expect(verifyPeerTicket(secret, otherSecret.ticket.peerId, otherSecret.token)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyPeerTicket(secret, ticket.peerId, 'nonsense')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPeerTicket(secret, ticket.peerId, `${token}.x`)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPeerTicket(secret, ticket.peerId, 'x'.repeat(5000))).toEqual({ ok: false, reason: 'malformed' });
  });
});
