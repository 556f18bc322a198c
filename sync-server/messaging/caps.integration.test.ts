/**
 * #11 costly messages are capped (SMS and e-mail cost the establishment money and reach a
 * person): login codes, «Renvoyer l'invitation», «Inviter un participant» and «Invitation
 * téléphonique», through the real server, with a real SMS gateway and SMTP server on loopback.
 * Past a cap: 429 with a French message, nothing sent, nothing stored, the refusal audited
 * without the number or address in clear.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MessageCaps } from '../config.ts';
import { login, startRelais, waitFor, type Running } from '../testing/harness.ts';
import { startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from '../testing/messageSinks.ts';

let smtp: SmtpSink;
let sms: SmsSink;
let relais: Running | null = null;
beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startSmsSink();
});
afterAll(async () => {
  await smtp.close();
  await sms.close();
});
afterEach(async () => {
  await relais?.stop();
  relais = null;
  smtp.mails.length = 0;
  sms.messages.length = 0;
});

const DAY = 24 * 3_600_000;
const LOOSE = { max: 1000, windowMs: DAY };
const RECIPIENT_MESSAGE = /^Trop d’envois vers ce numéro\. Réessayez dans \d+ heures ou contactez l’établissement\.$/;

async function start(caps: Partial<MessageCaps>): Promise<Running> {
  relais = await startRelais({
    config: { smtpUrl: smtp.url, smsGatewayUrl: sms.url, messageCaps: { recipient: LOOSE, account: LOOSE, establishment: LOOSE, ...caps } },
    messagingRetryDelaysMs: [50],
  });
  return relais;
}

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${relais!.http}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { cookie: `relais_session=${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Nothing more reaches the gateway or the mail server, even a moment later. */
async function expectNothingSent(smsBefore: number, mailsBefore: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  expect(sms.messages).toHaveLength(smsBefore);
  expect(smtp.mails).toHaveLength(mailsBefore);
}

async function cappedAudit() {
  const entries = (await relais!.store.audit.query({})).filter((e) => e.type === 'message.capped');
  expect(entries.length).toBeGreaterThan(0);
  return entries;
}

/** The audit names the recipient by a hash, never in clear, whatever form the number took. */
async function expectNoContactInAudit(...contacts: string[]): Promise<void> {
  const text = JSON.stringify((await relais!.store.audit.query({})));
  for (const contact of contacts) expect(text).not.toContain(contact);
}

describe('#11 costly messages are capped', () => {
  it('login codes: the 4th code to the same mobile is refused, no code is sent or stored, the refusal is audited', async () => {
    await start({ recipient: { max: 3, windowMs: DAY } });
    const ask = () => call('POST', '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'sms' });
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200);
    await waitFor(() => sms.messages.length === 3, 5000, 'three codes');
    const challenges = relais!.store.dbs.loginChallenges.getKeysCount();

    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.json.message).toMatch(RECIPIENT_MESSAGE);
    await expectNothingSent(3, 0);
    expect(relais!.store.dbs.loginChallenges.getKeysCount()).toBe(challenges);
    const [entry] = await cappedAudit();
    expect(entry).toMatchObject({ actorId: relais!.demo.doctor.id });
    expect(entry!.detail).toContain('plafond destinataire ; login-code ; sms');
    await expectNoContactInAudit('+33611223344', '611223344');

    // By e-mail the address is another recipient: still allowed.
    expect((await call('POST', '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'email' })).status).toBe(200);
  });

  it('«Renvoyer l’invitation»: the 4th send to one number is refused and the invitation is not sent again', async () => {
    await start({ recipient: { max: 3, windowMs: DAY } });
    const token = await login(relais!.http, 'dr.demo');
    const id = relais!.demo.consultations[0]!.id;
    const invited = await call('POST', `/api/consultations/${id}/invitations`, { name: 'Marie (fille)', mobile: '06 12 34 56 78' }, token);
    const invitation = (invited.json.invitations as { id: string }[])[0]!;
    const resend = () => call('POST', `/api/consultations/${id}/invitations/${invitation.id}/resend`, {}, token);
    for (let i = 0; i < 2; i++) expect((await resend()).status).toBe(200);
    await waitFor(() => sms.messages.length === 3, 5000, 'three invitations');
    const sendsBefore = (await relais!.store.invitations.get(invitation.id))!.messageIds.length;

    const refused = await resend();
    expect(refused.status).toBe(429);
    expect(refused.json.message).toMatch(RECIPIENT_MESSAGE);
    await expectNothingSent(3, 0);
    expect((await relais!.store.invitations.get(invitation.id))!.messageIds).toHaveLength(sendsBefore);
    const [entry] = await cappedAudit();
    expect(entry).toMatchObject({ consultationId: id });
    expect(entry!.detail).toContain('plafond destinataire ; invitation ; sms');
    await expectNoContactInAudit('+33612345678', '612345678');
  });

  it('«Inviter un participant»: one number however it is typed; the 4th invitation is refused and not stored', async () => {
    await start({ recipient: { max: 3, windowMs: DAY } });
    const token = await login(relais!.http, 'dr.demo');
    const id = relais!.demo.consultations[0]!.id;
    const invite = (mobile: string) => call('POST', `/api/consultations/${id}/invitations`, { name: 'Marie (fille)', mobile }, token);
    for (const mobile of ['06 11 11 11 11', '+33611111111', '0611111111']) expect((await invite(mobile)).status).toBe(201);
    await waitFor(() => sms.messages.length === 3, 5000, 'three invitations');
    const stored = (await relais!.store.invitations.forConsultation(id)).length;

    const refused = await invite('06.11.11.11.11');
    expect(refused.status).toBe(429);
    expect(refused.json.message).toMatch(RECIPIENT_MESSAGE);
    await expectNothingSent(3, 0);
    expect((await relais!.store.invitations.forConsultation(id))).toHaveLength(stored);
    expect((await cappedAudit())[0]!.detail).toContain('plafond destinataire ; invitation ; sms');
    await expectNoContactInAudit('+33611111111', '611111111', '06 11 11 11 11');
  });

  it('«Invitation téléphonique»: the 4th to one number is refused; no patient, no consultation is created', async () => {
    await start({ recipient: { max: 3, windowMs: DAY } });
    const token = await login(relais!.http, 'dr.demo');
    const instant = () => call('POST', '/api/consultations/instant', { contact: '06 98 76 54 32', consent: true }, token);
    for (let i = 0; i < 3; i++) expect((await instant()).status).toBe(201);
    await waitFor(() => sms.messages.length === 3, 5000, 'three invitations');
    const consultations = relais!.store.dbs.consultations.getKeysCount();
    const patients = relais!.store.dbs.patients.getKeysCount();

    const refused = await instant();
    expect(refused.status).toBe(429);
    expect(refused.json.message).toMatch(RECIPIENT_MESSAGE);
    await expectNothingSent(3, 0);
    expect(relais!.store.dbs.consultations.getKeysCount()).toBe(consultations);
    expect(relais!.store.dbs.patients.getKeysCount()).toBe(patients);
    expect((await cappedAudit())[0]!.detail).toContain('plafond destinataire ; invitation-telephonique ; sms');
    await expectNoContactInAudit('+33698765432', '698765432');
  });

  it('a scheduled consultation: its invitations are counted too; past the cap nothing is created', async () => {
    await start({ recipient: { max: 2, windowMs: DAY } });
    const token = await login(relais!.http, 'dr.demo');
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(Date.now() + DAY);
    const create = () =>
      call('POST', '/api/consultations', {
        patientId: relais!.demo.consultations[0]!.patientId,
        consent: { givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() },
        patientContacts: { email: '', mobile: '06 12 34 56 78' },
        companion: { kind: 'none' },
        slot: { mode: 'later', date, time: '14:30', durationMinutes: 45 },
        reason: 'Suivi',
      }, token);
    for (let i = 0; i < 2; i++) expect((await create()).status).toBe(201);
    await waitFor(() => sms.messages.length === 2, 5000, 'two invitations');
    const consultations = relais!.store.dbs.consultations.getKeysCount();

    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.json.message).toMatch(RECIPIENT_MESSAGE);
    await expectNothingSent(2, 0);
    expect(relais!.store.dbs.consultations.getKeysCount()).toBe(consultations);
    expect((await cappedAudit())[0]!.detail).toContain('plafond destinataire ; invitation ; sms');
  });

  it('per account and per establishment, by e-mail too, and a restart does not reset the counts', async () => {
    await start({ account: { max: 2, windowMs: 3_600_000 }, establishment: { max: 3, windowMs: DAY } });
    const doctor = await login(relais!.http, 'dr.demo');
    const nurse = await login(relais!.http, 'ide.demo');
    const instant = (token: string, contact: string) => call('POST', '/api/consultations/instant', { contact, consent: true }, token);
    expect((await instant(doctor, 'a@example.org')).status).toBe(201);
    expect((await instant(doctor, 'b@example.org')).status).toBe(201);
    const byAccount = await instant(doctor, 'c@example.org');
    expect(byAccount.status).toBe(429);
    expect(byAccount.json.message).toMatch(/^Trop d’envois de SMS et d’e-mails depuis ce compte\. Réessayez dans \d+ minutes\.$/);

    expect((await instant(nurse, 'd@example.org')).status).toBe(201);
    const byEstablishment = await instant(nurse, 'e@example.org');
    expect(byEstablishment.status).toBe(429);
    expect(byEstablishment.json.message).toMatch(/^L’établissement a atteint sa limite d’envois de SMS et d’e-mails\. Réessayez dans \d+ heures ou contactez l’administrateur\.$/);
    await waitFor(() => smtp.mails.length === 3, 5000, 'three invitations');
    expect((await cappedAudit()).map((e) => e.detail)).toEqual(['plafond établissement ; invitation-telephonique', 'plafond compte ; invitation-telephonique']);

    await relais!.restart();
    const afterRestart = await instant(await login(relais!.http, 'ide.demo'), 'f@example.org');
    expect(afterRestart.status).toBe(429);
    await expectNothingSent(0, 3);
  });
});
