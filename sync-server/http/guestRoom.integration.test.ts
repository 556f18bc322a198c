/**
 * A guest in the call room through the real server: their invitation token opens the room
 * document and gives a peer ticket inside the window, and their socket is closed when the window
 * ends (SPEC §6 «the room closes for guests 45 minutes after the slot», §9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PeerTicketResponse } from '../../schema/room.ts';
import { createConsultation } from '../../scripts/demo.ts';
import { inviteGuest } from '../testing/guests.ts';
import { login, startRelais, type Running } from '../testing/harness.ts';

let relais: Running;
beforeAll(async () => {
  relais = await startRelais();
});
afterAll(async () => {
  await relais.stop();
});

/** A consultation whose room window closes `closesInMs` from now, and a guest's token for it. */
async function guestOf(closesInMs: number): Promise<{ consultationId: string; token: string }> {
  const durationMinutes = 15;
  const start = new Date(Date.now() + closesInMs - durationMinutes * 60_000 - 45 * 60_000).toISOString();
  const consultation = await createConsultation(relais.store, {
    establishmentId: relais.demo.establishmentId,
    patientId: relais.demo.consultations[0]!.patientId,
    createdBy: relais.demo.doctor.id,
    participants: [relais.demo.doctor.id],
    start,
    durationMinutes,
    reason: '',
  });
  const token = await inviteGuest(relais, consultation.id, { start, durationMinutes });
  return { consultationId: consultation.id, token };
}

function openSocket(docName: string, token: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${relais.ws}/sync/${docName}?invitation=${encodeURIComponent(token)}`, { headers });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

describe('§6 §9 a guest in the call room', () => {
  it('gets a peer ticket ending with the window, opens the room only, and is put out when the window closes', async () => {
    const { consultationId, token } = await guestOf(2_500);
    const ticket = await fetch(`${relais.http}/api/room/${consultationId}/peer-ticket`, {
      method: 'POST',
      headers: { Authorization: `Invitation ${token}` },
    });
    expect(ticket.status).toBe(200);
    const body = (await ticket.json()) as PeerTicketResponse;
    expect(body.participant).toEqual({ name: 'Jeanne Dupont', kind: 'guest' });
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 2_500);

    expect(await openSocket(`dossier/${consultationId}`, token)).toBe(403);
    const socket = await openSocket(`room/${consultationId}`, token);
    expect(socket).toBeInstanceOf(WebSocket);
    const closed = new Promise<number>((resolve) => (socket as WebSocket).on('close', (code) => resolve(code)));
    expect(await closed).toBeGreaterThanOrEqual(4000);
    // And the room no longer lets them in.
    expect(await openSocket(`room/${consultationId}`, token)).toBe(403);
    const late = await fetch(`${relais.http}/api/room/${consultationId}/peer-ticket`, { method: 'POST', headers: { Authorization: `Invitation ${token}` } });
    expect(late.status).toBe(403);
    expect(((await late.json()) as { message: string }).message).toBe('La téléconsultation est terminée.');
  });

  it('#11 an invitation link opened in a logged-in colleague’s browser joins the call as invited', async () => {
    // The nurse is not a participant of this consultation; she was invited to the call by link.
    const { consultationId, token } = await guestOf(60 * 60_000);
    const session = await login(relais.http, 'ide.demo');
    const socket = await openSocket(`room/${consultationId}`, token, { cookie: `relais_session=${session}`, origin: relais.http });
    expect(socket).toBeInstanceOf(WebSocket);
    (socket as WebSocket).close();
    // The invitation opens the room, and only the room, as it does for the peer ticket.
    expect(await openSocket(`dossier/${consultationId}`, token, { cookie: `relais_session=${session}`, origin: relais.http })).toBe(403);
  });
});
