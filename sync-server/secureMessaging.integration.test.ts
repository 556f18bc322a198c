/**
 * #12 «Messagerie sécurisée» across the contract: the client's own call (client/dossier/
 * documentsApi.ts), made against the real server, delivers the PDF to a real SMTP server. Both
 * sides' tests passed while the client sent `{ to }` and the route read `rpps`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentEntry } from '../schema/dossier.ts';
import { documentsApi } from '../client/dossier/documentsApi.ts';
import { login, startRelais, type Running } from './testing/harness.ts';
import { startSmtpSink, type SmtpSink } from './testing/messageSinks.ts';
import { samplePdf } from './testing/images.ts';

let smtp: SmtpSink;
let relais: Running;
const browserFetch = globalThis.fetch;

beforeAll(async () => {
  smtp = await startSmtpSink();
  relais = await startRelais({ config: { smtpUrl: smtp.url }, messagingRetryDelaysMs: [50] });
});
afterAll(async () => {
  globalThis.fetch = browserFetch;
  await relais.stop();
  await smtp.close();
});

/** The page's fetch: relative URLs on the server's origin, with the session cookie. */
function asLoggedInPage(token: string): void {
  globalThis.fetch = (input, init) =>
    browserFetch(new URL(input instanceof Request ? input.url : input, relais.http), { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: `relais_session=${token}` } });
}

describe('#12 «Messagerie sécurisée»', () => {
  it('the client’s call sends the PDF to the MSSanté address of the professional chosen in the directory', async () => {
    const token = await login(relais.http, 'dr.demo');
    const consultation = relais.demo.consultations[0]!.id;
    const pdf = await samplePdf(1, 'Compte rendu');
    const upload = await browserFetch(`${relais.http}/api/consultations/${consultation}/documents?name=Compte%20rendu.pdf`, {
      method: 'POST',
      headers: { cookie: `relais_session=${token}` },
      body: new Uint8Array(pdf),
    });
    expect(upload.status).toBe(201);
    const document = ((await upload.json()) as { document: DocumentEntry }).document;

    asLoggedInPage(token);
    // Claire ROUSSEL, as the directory search returns her (schema/directory.ts DirectoryEntry.rpps).
    const result = await documentsApi.sendSecureMessage(consultation, document.id, '10100000041');
    globalThis.fetch = browserFetch;
    expect(result).toEqual({ ok: true, value: { sent: true, to: 'claire.roussel@infirmier.mssante.fr' } });

    const start = Date.now();
    while (smtp.mails.length === 0 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 50));
    const mail = smtp.mails[0]!;
    expect((mail.to as { text: string }).text).toBe('claire.roussel@infirmier.mssante.fr');
    expect(mail.subject).toBe('Téléconsultation — Compte rendu.pdf');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(Buffer.from(mail.attachments[0]!.content).equals(pdf)).toBe(true);
  });
});
