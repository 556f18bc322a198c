/**
 * Peer tickets through the real server (uWS + LMDB) and the real peer server sharing its key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PeerTicketResponse } from '../../schema/room.ts';
import { startPeerServer, type PeerServerHandle } from '../../peer-server/index.ts';
import { createUser } from '../../scripts/demo.ts';
import { login, startRelais, testLogger, waitFor, yClient, type Running, type YClient } from '../testing/harness.ts';
import { roomDocName } from '../../schema/room.ts';
import { peerTicketSecret } from './peerTickets.ts';

let relais: Running;
let peer: PeerServerHandle;
let doctor: string;
let stranger: string;

beforeAll(async () => {
  relais = await startRelais();
  peer = await startPeerServer('127.0.0.1', 0, { ticketSecret: peerTicketSecret(relais.dataDir), logger: testLogger });
  await createUser(
    relais.store,
    { identifier: 'autre.demo', displayName: 'Dr Autre', profession: 'Médecin', color: '#000000', establishmentIds: [] },
    'relais-demo',
  );
  doctor = await login(relais.http, 'dr.demo');
  stranger = await login(relais.http, 'autre.demo');
});
afterAll(async () => {
  await peer.close();
  await relais.stop();
});

const ask = (consultationId: string, headers: Record<string, string>) =>
  fetch(`${relais.http}/api/room/${consultationId}/peer-ticket`, { method: 'POST', headers });

function admitted(ticket: Pick<PeerTicketResponse, 'peerId' | 'token'>): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${peer.port}/peerjs/peerjs?key=peerjs&id=${ticket.peerId}&token=${encodeURIComponent(ticket.token)}`,
    );
    ws.on('message', (raw) => {
      const open = (JSON.parse((raw as Buffer).toString()) as { type: string }).type === 'OPEN';
      ws.close();
      resolve(open);
    });
    ws.on('unexpected-response', () => resolve(false));
    ws.on('error', () => resolve(false));
  });
}

describe('§7.2 peer tickets from the sync server', () => {
  it('a professional of the consultation gets a ticket the peer server admits', async () => {
    const id = relais.demo.consultations[0]!.id;
    const res = await ask(id, { Cookie: `relais_session=${doctor}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as PeerTicketResponse;
    expect(body.participant).toEqual({ name: 'Dr Claire Martin', kind: 'professional' });
    expect(body.iceServers).toEqual([]);
    expect(body.iceTransportPolicy).toBe('all');
    expect(body.peerServer).toMatchObject({ host: null, path: '/peerjs' });
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    expect(await admitted(body)).toBe(true);
    // The page is allowed to open that socket.
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:9000 ws://localhost:9000;");
  });

  it('no session, another professional, an unknown consultation or a bad invitation: no ticket', async () => {
    const id = relais.demo.consultations[0]!.id;
    expect((await ask(id, {})).status).toBe(401);
    const other = await ask(id, { Cookie: `relais_session=${stranger}` });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { message: string }).message).toBe('Cette téléconsultation est introuvable.');
    expect((await ask('inconnue', { Cookie: `relais_session=${doctor}` })).status).toBe(404);
    const guest = await ask(id, { Authorization: 'Invitation v1.x.y.z.w.forged' });
    expect(guest.status).toBe(401);
    expect(((await guest.json()) as { message: string }).message).toBe('Ce lien d’invitation n’est pas valide.');
  });

  it('who the peers of a call are comes from their tickets, for members of the consultation only', async () => {
    const id = relais.demo.consultations[0]!.id;
    const doctorTicket = (await (await ask(id, { Cookie: `relais_session=${doctor}` })).json()) as PeerTicketResponse;
    const other = relais.demo.consultations[1]!.id;
    const elsewhere = (await (await ask(other, { Cookie: `relais_session=${doctor}` })).json()) as PeerTicketResponse;
    const nurse = await login(relais.http, 'ide.demo');
    const peers = [doctorTicket.peerId, elsewhere.peerId, `p${'0'.repeat(16)}_${'0'.repeat(32)}`].join(',');
    const res = await fetch(`${relais.http}/api/room/${id}/participants?peers=${peers}`, { headers: { Cookie: `relais_session=${nurse}` } });
    expect(res.status).toBe(200);
    // Another consultation's peer and an unknown id are not named.
    expect(await res.json()).toEqual({ participants: { [doctorTicket.peerId]: { name: 'Dr Claire Martin', kind: 'professional' } } });
    const refused = await fetch(`${relais.http}/api/room/${id}/participants?peers=${peers}`, { headers: { Cookie: `relais_session=${stranger}` } });
    expect(refused.status).toBe(404);
    expect((await fetch(`${relais.http}/api/room/${id}/participants?peers=${peers}`)).status).toBe(401);
  });

  it('§7.2 a sixth participant gets no ticket while five are in the call; one of the five may come back', async () => {
    const consultation = relais.demo.consultations[1]!;
    const people = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        createUser(relais.store, { identifier: `appel.${n}`, displayName: `Dr Appel ${n}`, profession: 'Médecin', color: '#000000', establishmentIds: [relais.demo.establishmentId] }, 'relais-demo'),
      ),
    );
    await relais.store.consultations.put({ ...consultation, participants: [...consultation.participants, ...people.map((p) => p.id)] });
    const tokens = await Promise.all(people.map((p) => login(relais.http, p.identifier)));
    const ticketFor = (token: string) => ask(consultation.id, { Cookie: `relais_session=${token}` });
    const inCall: YClient[] = [];
    try {
      for (const token of tokens.slice(0, 5)) {
        const ticket = (await (await ticketFor(token)).json()) as PeerTicketResponse;
        const client = yClient(relais.ws, roomDocName(consultation.id), token);
        inCall.push(client);
        client.provider.awareness.setLocalStateField('call', {
          peerId: ticket.peerId, name: ticket.participant.name, kind: 'professional', muted: false, cameraOff: false, screen: false, audioOnly: false,
        });
      }
      const room = () => relais.server.registry.get(roomDocName(consultation.id));
      await waitFor(() => [...(room()?.awarenessStates().values() ?? [])].filter((s) => s.call).length === 5, 10_000, 'five in the call');

      const sixth = await ticketFor(tokens[5]!);
      expect(sixth.status).toBe(409);
      expect(((await sixth.json()) as { message: string }).message).toBe('La salle est complète : 5 participants au plus.');
      // A participant already in the call (a page reconnecting) still gets a new ticket.
      expect((await ticketFor(tokens[0]!)).status).toBe(200);

      inCall.shift()!.destroy();
      await waitFor(() => [...(room()?.awarenessStates().values() ?? [])].filter((s) => s.call).length === 4, 10_000, 'one left');
      expect((await ticketFor(tokens[5]!)).status).toBe(200);
    } finally {
      for (const client of inCall) client.destroy();
    }
  });

  it('a cross-site request is refused (CSRF)', async () => {
    const id = relais.demo.consultations[0]!.id;
    const res = await ask(id, { Cookie: `relais_session=${doctor}`, Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});
