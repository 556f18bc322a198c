/**
 * GET /api/join (SPEC §7.2, §9) through the real server: a guest's join page learns with whom and
 * when from its link's token, checked by the server; a made-up, damaged or revoked link learns
 * nothing but «Ce lien n’est pas valide». No session is needed, and none is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomWindow, type GuestInvitation } from '../../schema/consultation.ts';
import { createConsultation } from '../../scripts/demo.ts';
import { InvitationTokens } from '../auth/invitationTokens.ts';
import { loadOrCreateSecret } from '../auth/secrets.ts';
import { inviteGuest } from '../testing/guests.ts';
import { startRelais, type Running } from '../testing/harness.ts';

let relais: Running;
beforeAll(async () => {
  relais = await startRelais();
});
afterAll(async () => {
  await relais.stop();
});

const REASON = 'Plaie au talon droit, suivi de cicatrisation';

/** A consultation of the demo doctor starting `startsInMs` from now, and a guest's token for it. */
async function guestOf(startsInMs: number): Promise<{ consultationId: string; start: string; token: string }> {
  const start = new Date(Date.now() + startsInMs).toISOString();
  const consultation = await createConsultation(relais.store, {
    establishmentId: relais.demo.establishmentId,
    patientId: relais.demo.consultations[0]!.patientId,
    createdBy: relais.demo.doctor.id,
    participants: [relais.demo.doctor.id, relais.demo.nurse.id],
    start,
    durationMinutes: 30,
    reason: REASON,
  });
  const token = await inviteGuest(relais, consultation.id, { start, durationMinutes: 30 });
  return { consultationId: consultation.id, start, token };
}

async function ask(token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${relais.http}/api/join`, { headers: { Authorization: `Invitation ${token}` } });
  return { status: res.status, text: await res.text() };
}

/** One character of the MAC changed (not its last one, which partly carries padding bits). */
function damaged(token: string): string {
  const at = token.length - 10;
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

const INVALID = { error: 'invalid_invitation', message: 'Ce lien n’est pas valide. Vérifiez que vous avez ouvert le lien complet reçu par SMS ou par e-mail.' };

describe('§7.2 §9 GET /api/join tells a guest about their invitation', () => {
  it('a valid link: the doctor’s name, the appointment’s time, the window, open; nothing of the patient', async () => {
    const { start, token } = await guestOf(5 * 60_000);
    const { status, text } = await ask(token);
    expect(status).toBe(200);
    const body = JSON.parse(text) as GuestInvitation;
    expect(body).toEqual({ host: 'Dr Claire Martin', start, window: roomWindow({ start, durationMinutes: 30 }), state: 'open', now: expect.any(Number) as number });
    expect(Math.abs(body.now - Date.now())).toBeLessThan(5_000);
    // Health data stays out: no patient name, no reason.
    for (const secret of ['DUPONT', 'Dupont', 'JEANNE', 'Jeanne', 'Plaie', REASON]) expect(text).not.toContain(secret);
  });

  it('before and after the room window: the same answer, with the state', async () => {
    const later = await guestOf(3 * 60 * 60_000);
    expect((JSON.parse((await ask(later.token)).text) as GuestInvitation).state).toBe('notYet');
    const past = await guestOf(-3 * 60 * 60_000);
    const answer = await ask(past.token);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text) as GuestInvitation).toMatchObject({ host: 'Dr Claire Martin', start: past.start, state: 'over' });
  });

  it('the doctor is named even when a nurse created the consultation', async () => {
    const start = new Date(Date.now() + 60_000).toISOString();
    const consultation = await createConsultation(relais.store, {
      establishmentId: relais.demo.establishmentId,
      patientId: relais.demo.consultations[0]!.patientId,
      createdBy: relais.demo.nurse.id,
      participants: [relais.demo.nurse.id, relais.demo.doctor.id],
      start,
      durationMinutes: 15,
      reason: '',
    });
    const token = await inviteGuest(relais, consultation.id, { start, durationMinutes: 15 });
    expect((JSON.parse((await ask(token)).text) as GuestInvitation).host).toBe('Dr Claire Martin');
  });

  it('a damaged link (one character of its signature changed): 404 «Ce lien n’est pas valide», nothing else', async () => {
    const { token } = await guestOf(5 * 60_000);
    const { status, text } = await ask(damaged(token));
    expect(status).toBe(404);
    expect(JSON.parse(text)).toEqual(INVALID);
  });

  it('a made-up link, a missing or malformed header: the same 404', async () => {
    expect(JSON.parse((await ask('pas-un-jeton')).text)).toEqual(INVALID);
    const { consultationId } = await guestOf(5 * 60_000);
    const opensAt = Date.now().toString(36);
    const closesAt = (Date.now() + 3_600_000).toString(36);
    const madeUp = `v1.${consultationId}.inventee.${opensAt}.${closesAt}.${'A'.repeat(43)}`;
    expect(await ask(madeUp)).toEqual({ status: 404, text: JSON.stringify(INVALID) });
    const bare = await fetch(`${relais.http}/api/join`);
    expect(bare.status).toBe(404);
    expect(await bare.json()).toEqual(INVALID);
    const bearer = await fetch(`${relais.http}/api/join`, { headers: { Authorization: 'Bearer x' } });
    expect(bearer.status).toBe(404);
  });

  it('a revoked link: the slot moved (new links sent), or an invitation the server does not hold: the same 404', async () => {
    const { consultationId, token } = await guestOf(5 * 60_000);
    expect((await ask(token)).status).toBe(200);
    const consultation = (await relais.store.consultations.get(consultationId))!;
    await relais.store.consultations.put({ ...consultation, start: new Date(Date.parse(consultation.start) + 60 * 60_000).toISOString() });
    expect(await ask(token)).toEqual({ status: 404, text: JSON.stringify(INVALID) });

    // Signed with the server's own key, for an invitation that is not (or no longer) stored.
    const tokens = new InvitationTokens(loadOrCreateSecret(relais.dataDir, 'invitation'));
    const moved = (await relais.store.consultations.get(consultationId))!;
    const orphan = tokens.sign({ consultationId, invitationId: 'supprimee', window: roomWindow({ start: moved.start, durationMinutes: moved.durationMinutes }) });
    expect(await ask(orphan)).toEqual({ status: 404, text: JSON.stringify(INVALID) });
  });
});
