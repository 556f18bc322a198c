/**
 * «Envoyer le document» by secure sending (SPEC §7.1.4 case 2, §9), through the real server, with
 * a real SMTP server and SMS gateway on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentEntry } from '../schema/dossier.ts';
import { login, startRelais, type Running } from './testing/harness.ts';
import type { Config } from './config.ts';
import { startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from './testing/messageSinks.ts';
import { png, samplePdf } from './testing/images.ts';

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

const cookie = (token: string) => ({ cookie: `relais_session=${token}` });

async function setUp(config: Partial<Config> = {}) {
  relais = await startRelais({ config: { smtpUrl: smtp.url, smsGatewayUrl: sms.url, ...config }, messagingRetryDelaysMs: [50] });
  const token = await login(relais.http, 'dr.demo');
  return { token, consultation: relais.demo.consultations[0]!.id };
}

async function upload(token: string, consultation: string, name: string, body: Buffer): Promise<DocumentEntry> {
  const res = await fetch(`${relais!.http}/api/consultations/${consultation}/documents?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: cookie(token),
    body: new Uint8Array(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { document: DocumentEntry }).document;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${relais!.http}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function waitFor<T>(get: () => T | undefined, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('§7.1.4 «Coffre-fort sécurisé»', () => {
  it('the patient gets a link (never the file), a wrong code is refused, the right one downloads the PDF sent', async () => {
    const { token, consultation } = await setUp();
    const pdf = await samplePdf(1, 'Compte rendu');
    const doc = await upload(token, consultation, 'Compte rendu.pdf', pdf);
    const sent = await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['famille.dupont@example.org'] }, cookie(token));
    expect(sent.status).toBe(201);

    const mail = await waitFor(() => smtp.mails.find((m) => m.subject?.includes('vous attend')), 'vault email');
    expect(mail.attachments).toHaveLength(0);
    const link = /(http:\/\/[^\s]+\/coffre\/([A-Za-z0-9_-]{43}))/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    const vaultToken = link![2]!;

    const info = (await (await fetch(`${relais!.http}/api/vault/${vaultToken}`)).json()) as { vault: { proof: string; documentName: string; state: string } };
    expect(info.vault).toMatchObject({ proof: 'sms', documentName: 'Compte rendu.pdf', state: 'open' });

    expect((await post(`/api/vault/${vaultToken}/code`, {})).status).toBe(200);
    const code = (await waitFor(() => sms.messages.find((m) => m.text.includes('code')), 'vault sms')).text.match(/(\d{6})/)![1]!;
    expect(sms.messages[0]!.to).toBe('+33612345678');

    const wrong = await post(`/api/vault/${vaultToken}/unlock`, { answer: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { message: string }).message).toBe('Code incorrect ou expiré. Il vous reste 4 essais.');
    // Without unlocking, no download.
    expect((await fetch(`${relais!.http}/api/vault/${vaultToken}/document?key=nope`)).status).toBe(403);

    const right = await post(`/api/vault/${vaultToken}/unlock`, { answer: code });
    expect(right.status).toBe(200);
    const { downloadKey } = (await right.json()) as { downloadKey: string };
    const download = await fetch(`${relais!.http}/api/vault/${vaultToken}/document?key=${downloadKey}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);

    const audit = (await relais!.store.audit.query({}));
    expect(audit.filter((e) => e.type === 'vault.open').length).toBeGreaterThanOrEqual(2);
    expect(audit.some((e) => e.type === 'document.download' && e.detail?.startsWith('coffre-fort'))).toBe(true);
    expect(audit.some((e) => e.type === 'document.send' && e.detail?.startsWith('coffre-fort'))).toBe(true);
    // The audit log holds ids, never the document's name.
    expect(JSON.stringify(audit)).not.toContain('Compte rendu');
  });

  it('§9 the code may come by email to the patient\'s recorded address: a wrong code then the right one downloads the PDF', async () => {
    const { token, consultation } = await setUp();
    const pdf = await samplePdf(1, 'Ordonnance');
    const doc = await upload(token, consultation, 'Ordonnance.pdf', pdf);
    await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['proche@example.org'] }, cookie(token));
    const linkMail = await waitFor(() => smtp.mails.find((m) => m.subject?.includes('vous attend')), 'vault email');
    const vaultToken = /\/coffre\/([A-Za-z0-9_-]{43})/.exec(linkMail.text ?? '')![1]!;

    const info = (await (await fetch(`${relais!.http}/api/vault/${vaultToken}`)).json()) as {
      vault: { channels: string[]; maskedEmail: string; birthDateAllowed: boolean };
    };
    // The demo patient has a mobile and an email: both are offered, the birth date is not.
    expect(info.vault).toMatchObject({ channels: ['sms', 'email'], maskedEmail: 'f•••@example.org', birthDateAllowed: false });

    const asked = await post(`/api/vault/${vaultToken}/code`, { channel: 'email' });
    expect(asked.status).toBe(200);
    expect(await asked.json()).toMatchObject({ channel: 'email', to: 'f•••@example.org' });
    const codeMail = await waitFor(() => smtp.mails.find((m) => m.subject?.includes('Votre code')), 'code email');
    // To the address on the patient's identity, not to the link's recipient.
    expect((codeMail.to as { text: string }).text).toBe('famille.dupont@example.org');
    expect(sms.messages).toHaveLength(0);
    const code = /: (\d{6})/.exec(codeMail.text ?? '')![1]!;

    const wrong = await post(`/api/vault/${vaultToken}/unlock`, { answer: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { message: string }).message).toBe('Code incorrect ou expiré. Il vous reste 4 essais.');
    const right = await post(`/api/vault/${vaultToken}/unlock`, { answer: code });
    expect(right.status).toBe(200);
    const { downloadKey } = (await right.json()) as { downloadKey: string };
    const download = await fetch(`${relais!.http}/api/vault/${vaultToken}/document?key=${downloadKey}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
    // Single use: the same code does not unlock twice.
    expect((await post(`/api/vault/${vaultToken}/unlock`, { answer: code })).status).toBe(403);

    const audit = (await relais!.store.audit.query({}));
    expect(audit.some((e) => e.type === 'vault.open' && e.detail?.startsWith('code-envoye') && e.detail.endsWith('email'))).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  it('§9 without a mobile: code by email or the birth date; a channel the patient lacks is refused', async () => {
    const { token, consultation } = await setUp();
    const c = (await relais!.store.consultations.get(consultation))!;
    const patient = (await relais!.store.patients.get(c.patientId))!;
    await relais!.store.patients.put({ ...patient, mobile: null });
    const doc = await upload(token, consultation, 'a.pdf', await samplePdf(1));
    await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org'] }, cookie(token));
    const mail = await waitFor(() => smtp.mails[0], 'email');
    const vaultToken = /\/coffre\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
    const info = (await (await fetch(`${relais!.http}/api/vault/${vaultToken}`)).json()) as { vault: Record<string, unknown> };
    expect(info.vault).toMatchObject({ proof: 'email', channels: ['email'], birthDateAllowed: true, maskedMobile: null });

    const sms = await post(`/api/vault/${vaultToken}/code`, { channel: 'sms' });
    expect(sms.status).toBe(409);
    expect(((await sms.json()) as { message: string }).message).toBe('Aucun mobile n’est enregistré pour ce patient.');
    const wrongDate = await post(`/api/vault/${vaultToken}/unlock`, { method: 'birthDate', answer: '1900-01-01' });
    expect(((await wrongDate.json()) as { message: string }).message).toBe('Date de naissance incorrecte. Il vous reste 4 essais.');
    const right = await post(`/api/vault/${vaultToken}/unlock`, { method: 'birthDate', answer: patient.birthDate });
    expect(right.status).toBe(200);
  });

  it('an expired link no longer opens (RELAIS_VAULT_DAYS)', async () => {
    const { token, consultation } = await setUp({ vaultDays: 0.00001 });
    const doc = await upload(token, consultation, 'a.pdf', await samplePdf(1));
    await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org'] }, cookie(token));
    const mail = await waitFor(() => smtp.mails[0], 'email');
    const vaultToken = /\/coffre\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
    await new Promise((r) => setTimeout(r, 1200));
    const expired = await fetch(`${relais!.http}/api/vault/${vaultToken}`);
    expect(((await expired.json()) as { vault: { state: string } }).vault.state).toBe('expired');
    expect((await post(`/api/vault/${vaultToken}/unlock`, { answer: '123456' })).status).toBe(410);
  });

  it('five wrong answers lock; revocation by the sender closes the link', async () => {
    const { token, consultation } = await setUp();
    const doc = await upload(token, consultation, 'a.pdf', await samplePdf(1));
    const created = (await (
      await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org', 'b@example.org'] }, cookie(token))
    ).json()) as { links: { id: string }[] };
    expect(created.links).toHaveLength(2);
    await waitFor(() => (smtp.mails.length === 2 ? true : undefined), 'two emails');
    const [t1, t2] = smtp.mails.map((m) => /\/coffre\/([A-Za-z0-9_-]{43})/.exec(m.text ?? '')![1]!);
    await post(`/api/vault/${t1}/code`, {});
    for (let i = 0; i < 4; i++) expect((await post(`/api/vault/${t1}/unlock`, { answer: 'x' })).status).toBe(403);
    const fifth = await post(`/api/vault/${t1}/unlock`, { answer: 'x' });
    expect(fifth.status).toBe(423);

    const revoke = await fetch(`${relais!.http}/api/consultations/${consultation}/vault-links/${created.links[1]!.id}`, { method: 'DELETE', headers: cookie(token) });
    expect(revoke.status).toBe(204);
    const state = (await (await fetch(`${relais!.http}/api/vault/${t2}`)).json()) as { vault: { state: string } };
    expect(state.vault.state).toBe('revoked');
  });

  it('#11 concurrent wrong codes cannot exceed the cap: 60 at once, at most 5 checked, then even the right code is refused', async () => {
    const { token, consultation } = await setUp();
    const doc = await upload(token, consultation, 'a.pdf', await samplePdf(1));
    await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org'] }, cookie(token));
    const mail = await waitFor(() => smtp.mails[0], 'email');
    const vaultToken = /\/coffre\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
    expect((await post(`/api/vault/${vaultToken}/code`, {})).status).toBe(200);
    const code = (await waitFor(() => sms.messages[0], 'vault sms')).text.match(/(\d{6})/)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';

    const answers = await Promise.all(Array.from({ length: 60 }, () => post(`/api/vault/${vaultToken}/unlock`, { answer: wrong })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 403 || s === 423)).toBe(true);
    // A checked guess is audited as a failure; the refused ones were never compared.
    const checked = (await relais!.store.audit.query({})).filter((e) => e.type === 'vault.open' && e.detail?.startsWith('code') && e.detail.endsWith('échec'));
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 403).length).toBeLessThanOrEqual(4);

    const right = await post(`/api/vault/${vaultToken}/unlock`, { answer: code });
    expect(right.status).toBe(423);
    expect(((await right.json()) as { message: string }).message).toBe('Trop d’essais incorrects : ce lien est bloqué. Demandez un nouvel envoi.');
  });

  it('#11 concurrent code requests cannot exceed the codes a link may send: 20 at once, at most 5 SMS', async () => {
    const { token, consultation } = await setUp();
    const doc = await upload(token, consultation, 'a.pdf', await samplePdf(1));
    await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org'] }, cookie(token));
    const mail = await waitFor(() => smtp.mails[0], 'email');
    const vaultToken = /\/coffre\/([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1]!;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`/api/vault/${vaultToken}/code`, {})));
    expect(answers.filter((r) => r.status === 200).length).toBe(5);
    expect(answers.filter((r) => r.status === 429).length).toBe(15);
    await new Promise((r) => setTimeout(r, 300));
    expect(sms.messages.length).toBe(5);
  });

  it('anything but a PDF is refused with the reason', async () => {
    const { token, consultation } = await setUp();
    const doc = await upload(token, consultation, 'photo.png', png(10, 10, () => [1, 2, 3]));
    const res = await post(`/api/consultations/${consultation}/documents/${doc.id}/vault`, { recipients: ['a@example.org'] }, cookie(token));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain('Seuls les documents PDF');
  });
});

describe('§7.1.4 «Messagerie sécurisée»', () => {
  it('sends the PDF attached to the MSSanté address of a professional from the directory', async () => {
    const { token, consultation } = await setUp();
    const pdf = await samplePdf(1, 'Ordonnance');
    const doc = await upload(token, consultation, 'Ordonnance.pdf', pdf);
    const res = await post(`/api/consultations/${consultation}/documents/${doc.id}/secure-messaging`, { rpps: '10100000025' }, cookie(token));
    expect(res.status).toBe(200);
    const mail = await waitFor(() => smtp.mails[0], 'MSSanté email');
    expect((mail.to as { text: string }).text).toBe('nathalie.girard@hcl.mssante.fr');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe('Ordonnance.pdf');
    expect(Buffer.from(mail.attachments[0]!.content).equals(pdf)).toBe(true);
    const unknown = await post(`/api/consultations/${consultation}/documents/${doc.id}/secure-messaging`, { rpps: '999' }, cookie(token));
    expect(unknown.status).toBe(400);
  });
});
