/**
 * The real `peer` server with ticket checks, spoken to by a WebSocket client using the PeerJS
 * protocol (the query string and JSON messages the peerjs browser client sends).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issuePeerTicket } from '../sync-server/auth/peerTicket.ts';
import { startPeerServer, type PeerServerHandle } from './index.ts';
import { createLogger } from '../sync-server/log.ts';

const secret = randomBytes(32);
let server: PeerServerHandle;
const refusals: string[] = [];

beforeAll(async () => {
  // The log lines as written (JSON), refusals and sockets alike.
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void refusals.push(line) } });
  server = await startPeerServer('127.0.0.1', 0, { ticketSecret: secret, logger });
});
afterAll(async () => {
  await server.close();
});

interface Outcome {
  status: 'open' | 'refused';
  httpStatus?: number;
  socket?: WebSocket;
  messages: { type: string; src?: string; payload?: unknown }[];
}

/** Opens a signalling socket as peerjs does; resolves on OPEN or on refusal. */
function connect(id: string, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const url = `ws://127.0.0.1:${server.port}/peerjs/peerjs?key=peerjs&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}&version=1.5.5`;
    const socket = new WebSocket(url);
    const outcome: Outcome = { status: 'refused', messages: [] };
    socket.on('message', (raw) => {
      const message = JSON.parse((raw as Buffer).toString()) as Outcome['messages'][number];
      outcome.messages.push(message);
      if (message.type === 'OPEN') resolve({ ...outcome, status: 'open', socket });
    });
    socket.on('unexpected-response', (_req, res) => {
      outcome.httpStatus = res.statusCode;
      resolve(outcome);
    });
    socket.on('error', () => resolve(outcome));
    socket.on('close', () => resolve(outcome));
  });
}

const ticket = (consultationId: string, expiresAt?: number) =>
  issuePeerTicket(secret, { consultationId, participant: { kind: 'professional', id: 'u' }, ...(expiresAt ? { expiresAt } : {}) });

describe('§7.2 the peer server admits only valid tickets', () => {
  it('a valid ticket is admitted (OPEN)', async () => {
    const { ticket: t, token } = ticket('c1');
    const outcome = await connect(t.peerId, token);
    expect(outcome.status).toBe('open');
    outcome.socket?.close();
  });

  it('no ticket, a forged ticket, another peer’s ticket or an expired ticket: upgrade refused with 401', async () => {
    const valid = ticket('c1');
    const other = ticket('c1');
    const [payload] = valid.token.split('.') as [string];
    const forged = `${payload}.${randomBytes(32).toString('base64url')}`;
    const byOtherKey = issuePeerTicket(randomBytes(32), { consultationId: 'c1', participant: { kind: 'guest', id: 'g' } });
    const expired = ticket('c1', Date.now() - 1);
    const attempts: [string, string, string][] = [
      ['no token', valid.ticket.peerId, ''],
      ['a random token as peerjs makes', 'anyid', Math.random().toString(36).slice(2)],
      ['a forged signature', valid.ticket.peerId, forged],
      ['a ticket signed with another key', byOtherKey.ticket.peerId, byOtherKey.token],
      ['another peer’s ticket', other.ticket.peerId, valid.token],
      ['an expired ticket', expired.ticket.peerId, expired.token],
    ];
    for (const [what, id, token] of attempts) {
      const outcome = await connect(id, token);
      expect(outcome.status, what).toBe('refused');
      expect(outcome.httpStatus, what).toBe(401);
      expect(outcome.messages, what).toEqual([]);
    }
    expect(refusals.some((r) => r.includes('expired'))).toBe(true);
    expect(refusals.some((r) => r.includes('forged'))).toBe(true);
    expect(refusals.join(' ')).not.toContain(valid.ticket.peerId);
  });

  it('signalling is relayed within a consultation, never into another', async () => {
    const a = ticket('c1');
    const b = ticket('c1');
    const intruder = ticket('c2');
    const [sa, sb, sx] = await Promise.all([
      connect(a.ticket.peerId, a.token),
      connect(b.ticket.peerId, b.token),
      connect(intruder.ticket.peerId, intruder.token),
    ]);
    expect([sa.status, sb.status, sx.status]).toEqual(['open', 'open', 'open']);
    const received: { type: string; src?: string; payload?: unknown }[] = [];
    sb.socket!.on('message', (raw) => received.push(JSON.parse((raw as Buffer).toString()) as (typeof received)[number]));
    sx.socket!.send(JSON.stringify({ type: 'OFFER', dst: b.ticket.peerId, payload: { sdp: 'from-intruder' } }));
    sa.socket!.send(JSON.stringify({ type: 'OFFER', dst: b.ticket.peerId, payload: { sdp: 'from-a' } }));
    await expect.poll(() => received.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([{ type: 'OFFER', src: a.ticket.peerId, dst: b.ticket.peerId, payload: { sdp: 'from-a' } }]);
    for (const s of [sa, sb, sx]) s.socket?.close();
  });
});
