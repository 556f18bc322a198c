/**
 * The messaging core against real receivers on loopback: an SMTP server, an HTTP SMS sink, and
 * the local outbox served at /dev/outbox, through the real server on LMDB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelais, waitFor, type Running } from '../testing/harness.ts';
import { startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from '../testing/messageSinks.ts';
import { outboxDir } from './index.ts';

let running: Running | null = null;
let smtp: SmtpSink | null = null;
let sms: SmsSink | null = null;

afterEach(async () => {
  await running?.stop();
  await smtp?.close();
  await sms?.close();
  running = smtp = sms = null;
});

describe('messaging core', () => {
  it('§6 an email with an attachment arrives through SMTP and its record says sent', async () => {
    smtp = await startSmtpSink();
    running = await startRelais({ config: { smtpUrl: smtp.url, mailFrom: 'Relais <relais@test.local>' } });
    const record = await running.server.messaging.sendEmail({
      to: 'famille@example.org',
      subject: 'Invitation à une téléconsultation',
      text: 'Rejoignez la salle : https://relais.test/j/abc',
      attachments: [{ filename: 'rdv.ics', contentType: 'text/calendar', content: new TextEncoder().encode('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n') }],
      purpose: 'invitation',
    });
    expect(record.status).toBe('sent');
    expect(record.attempts).toBe(1);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.subject).toBe('Invitation à une téléconsultation');
    expect(mail.text?.trim()).toBe('Rejoignez la salle : https://relais.test/j/abc');
    expect(mail.from?.text).toContain('relais@test.local');
    expect(mail.attachments[0]?.filename).toBe('rdv.ics');
    expect((await running.server.messaging.record(record.id))?.status).toBe('sent');
  });

  it('§1.1.3 an SMS reaches the HTTP gateway as one JSON POST with its bearer token', async () => {
    sms = await startSmsSink();
    running = await startRelais({ config: { smsGatewayUrl: sms.url, smsGatewayToken: 'jeton-passerelle' } });
    const record = await running.server.messaging.sendSms({ to: '+33612345678', text: 'Votre code Relais : 123456', purpose: 'login-code' });
    expect(record.status).toBe('sent');
    expect(sms.messages).toEqual([{ id: record.id, to: '+33612345678', text: 'Votre code Relais : 123456', authorization: 'Bearer jeton-passerelle' }]);
  });

  it('a refused delivery is retried with backoff until it goes through', async () => {
    smtp = await startSmtpSink();
    sms = await startSmsSink();
    running = await startRelais({ config: { smtpUrl: smtp.url, smsGatewayUrl: sms.url }, messagingRetryDelaysMs: [50, 100, 200] });
    smtp.refuseNext(2);
    sms.failNext(1);
    const email = await running.server.messaging.sendEmail({ to: 'a@example.org', subject: 'S', text: 'T', purpose: 'test' });
    const text = await running.server.messaging.sendSms({ to: '+33612345678', text: 'T', purpose: 'test' });
    expect(email.status).toBe('pending');
    expect(email.lastError).toMatch(/451|Try again/);
    expect(text.status).toBe('pending');
    const messaging = running.server.messaging;
    await waitFor(async () => (await messaging.record(email.id))?.status === 'sent' && (await messaging.record(text.id))?.status === 'sent', 5000, 'retries');
    expect((await messaging.record(email.id))?.attempts).toBe(3);
    expect((await messaging.record(text.id))?.attempts).toBe(2);
    expect(smtp.mails).toHaveLength(1);
    expect(sms.messages).toHaveLength(1);
  });

  it('a message that never goes through is recorded as failed, not dropped', async () => {
    sms = await startSmsSink();
    running = await startRelais({ config: { smsGatewayUrl: sms.url }, messagingRetryDelaysMs: [30, 30] });
    sms.failNext(100);
    const record = await running.server.messaging.sendSms({ to: '+33612345678', text: 'T', purpose: 'test' });
    const messaging = running.server.messaging;
    await waitFor(async () => (await messaging.record(record.id))?.status === 'failed', 5000, 'failure');
    const failed = (await messaging.record(record.id))!;
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toContain('503');
    // Still stored with its content, and listed on the development page.
    expect((await running.store.messages.get(record.id))?.payload).not.toBeNull();
    const page = await (await fetch(`${running.http}/dev/outbox`)).text();
    expect(page).toContain('échec');
  });

  it('pending tries survive a restart and resume', async () => {
    sms = await startSmsSink();
    running = await startRelais({ config: { smsGatewayUrl: sms.url }, messagingRetryDelaysMs: [60_000] });
    sms.failNext(1);
    const record = await running.server.messaging.sendSms({ to: '+33612345678', text: 'T', purpose: 'test' });
    expect(record.status).toBe('pending');
    // Back-date the planned try so that the restarted server runs it at once.
    const stored = (await running.store.messages.get(record.id))!;
    await running.store.messages.put({ ...stored, nextAttemptAt: Date.now() });
    await running.restart();
    const messaging = running.server.messaging;
    await waitFor(async () => (await messaging.record(record.id))?.status === 'sent', 5000, 'resumed try');
    expect(sms.messages).toHaveLength(1);
  });

  it('with neither configured, email and SMS land in the outbox, readable at /dev/outbox', async () => {
    running = await startRelais();
    const email = await running.server.messaging.sendEmail({ to: 'famille@example.org', subject: 'Votre code', text: 'Code : 654321', purpose: 'login-code' });
    const text = await running.server.messaging.sendSms({ to: '+33612345678', text: 'Code : 123456', purpose: 'login-code' });
    expect(email.status).toBe('sent');
    expect(text.status).toBe('sent');
    const files = readdirSync(outboxDir(running.dataDir)).sort();
    expect(files.map((f) => f.split('.').pop())).toEqual(['eml', 'json']);
    const smsFile = JSON.parse(readFileSync(`${outboxDir(running.dataDir)}/${files[1]}`, 'utf8')) as { to: string; text: string };
    expect(smsFile).toMatchObject({ to: '+33612345678', text: 'Code : 123456' });

    const index = await fetch(`${running.http}/dev/outbox`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('Boîte d’envoi locale');
    const emlName = files[0]!;
    expect(html).toContain(emlName);
    const eml = await (await fetch(`${running.http}/dev/outbox/${emlName}`)).text();
    expect(eml).toContain('Subject: Votre code');
    expect(eml).toContain('Code : 654321');
    expect((await fetch(`${running.http}/dev/outbox/..%2Flmdb`)).status).toBe(404);
  });

  it('/dev/outbox does not exist in production', async () => {
    running = await startRelais({ config: { production: true } });
    expect((await fetch(`${running.http}/dev/outbox`)).status).toBe(404);
  });
});
