/**
 * §2 «Mes rendez-vous» shows who is in the call room, live: stock y-websocket clients publish their
 * call presence in room/<id> through the real server; a colleague's activity document follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityDocName, appointmentsOf } from '../../schema/activity.ts';
import { roomDocName, type CallPresence, type PeerTicketResponse } from '../../schema/room.ts';
import { login, startRelais, synced, waitFor, yClient, type Running } from '../testing/harness.ts';

let relais: Running;
beforeAll(async () => {
  relais = await startRelais();
});
afterAll(async () => {
  await relais.stop();
});

const presence = (name: string, peerId: string | null): CallPresence => ({
  peerId,
  name,
  kind: 'professional',
  muted: false,
  cameraOff: false,
  screen: false,
  audioOnly: false,
});

describe('§2 who is in the call room shows in «Mes rendez-vous»', () => {
  it('joins and leaves of the call are written to the appointment’s inRoom', async () => {
    const consultation = relais.demo.consultations[0]!;
    const doctor = await login(relais.http, 'dr.demo');
    const nurse = await login(relais.http, 'ide.demo');
    const activity = yClient(relais.ws, activityDocName(relais.demo.establishmentId), nurse);
    const inRoom = () => appointmentsOf(activity.doc).get(consultation.id)?.inRoom;
    await waitFor(() => synced(activity) && inRoom() !== undefined, 10_000, 'activity synced');
    expect(inRoom()).toEqual([]);

    const ticket = async (session: string) => {
      const res = await fetch(`${relais.http}/api/room/${consultation.id}/peer-ticket`, { method: 'POST', headers: { Cookie: `relais_session=${session}` } });
      return ((await res.json()) as PeerTicketResponse).peerId;
    };
    const [doctorPeer, nursePeer] = [await ticket(doctor), await ticket(nurse)];
    const a = yClient(relais.ws, roomDocName(consultation.id), doctor);
    const b = yClient(relais.ws, roomDocName(consultation.id), nurse);
    await waitFor(() => synced(a) && synced(b), 10_000, 'room synced');
    // On the page but not in the call yet (no peer id), or with a peer id no ticket gave: not counted.
    a.provider.awareness.setLocalStateField('call', presence('Dr Claire Martin', null));
    b.provider.awareness.setLocalStateField('call', presence('Sophie Bernard (IDE)', 'pforged'));
    await new Promise((r) => setTimeout(r, 800));
    expect(inRoom()).toEqual([]);
    // The name shown is the ticket's, whatever the page claims.
    b.provider.awareness.setLocalStateField('call', presence('Pr Usurpé', nursePeer));
    await waitFor(() => JSON.stringify(inRoom()) === JSON.stringify(['Sophie Bernard (IDE)']), 10_000, 'nurse in room');
    a.provider.awareness.setLocalStateField('call', presence('Dr Claire Martin', doctorPeer));
    await waitFor(() => inRoom()?.length === 2, 10_000, 'both in room');
    expect(inRoom()).toEqual(['Dr Claire Martin', 'Sophie Bernard (IDE)']);
    // When the call really started is kept: the first join, not the second.
    const startedAt = appointmentsOf(activity.doc).get(consultation.id)?.startedAt;
    expect(typeof startedAt).toBe('string');
    expect(appointmentsOf(activity.doc).get(consultation.id)?.endedAt).toBeNull();

    // Closing the page removes its presence at once.
    b.destroy();
    await waitFor(() => JSON.stringify(inRoom()) === JSON.stringify(['Dr Claire Martin']), 10_000, 'nurse gone');
    a.provider.awareness.setLocalStateField('call', null);
    await waitFor(() => inRoom()?.length === 0, 10_000, 'room empty');
    const ended = appointmentsOf(activity.doc).get(consultation.id);
    expect(ended?.startedAt).toBe(startedAt);
    expect(Date.parse(ended?.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(startedAt ?? ''));

    // Who came and went is in the audit log (the activity document holds only who is there now),
    // by account, without names.
    const moves = async () =>
      (await relais.store.audit.query({ limit: 100 })).filter((e) => e.consultationId === consultation.id && e.type.startsWith('call.')).reverse();
    await waitFor(async () => (await moves()).length === 4, 10_000, 'audit of joins and leaves');
    expect((await moves()).map((e) => [e.type, e.actorId])).toEqual([
      ['call.join', relais.demo.nurse.id],
      ['call.join', relais.demo.doctor.id],
      ['call.leave', relais.demo.nurse.id],
      ['call.leave', relais.demo.doctor.id],
    ]);
    expect(JSON.stringify(moves())).not.toMatch(/Sophie|Claire|Usurpé/);
    a.destroy();
    activity.destroy();
  });
});
