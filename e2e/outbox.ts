/**
 * The development server's local outbox (/dev/outbox: no SMTP_URL, no SMS gateway), read as the
 * tests and the call bench need it. Plain Playwright API (playwright-core), so the benches use it
 * too; a page's `page.request` is such a context.
 */
import type { APIRequestContext } from 'playwright-core';

/** Every message of the outbox as text, with quoted-printable soft line breaks undone. */
export async function outboxTexts(request: APIRequestContext): Promise<string[]> {
  const list = await (await request.get('/dev/outbox')).text();
  const files = [...list.matchAll(/href="\/dev\/outbox\/([^"]+)"/g)].map((m) => m[1]!);
  const texts: string[] = [];
  for (const file of files) texts.push((await (await request.get(`/dev/outbox/${file}`)).text()).replace(/=\r?\n/g, ''));
  return texts;
}

/**
 * Waits until a message of the outbox matches `pattern`; returns the match (of the last such
 * message listed). Throws, naming `what`, after `timeoutMs`.
 */
export async function waitForOutbox(request: APIRequestContext, pattern: RegExp, what: string, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let found: RegExpExecArray | null = null;
    for (const text of await outboxTexts(request)) found = pattern.exec(text) ?? found;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${what} did not reach the outbox within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A join link of consultation `id` in a message; group 1 is its path. */
export const joinLinkOf = (id: string): RegExp => new RegExp(`https?://[^\\s"<>]+(/rejoindre/v1\\.${id}\\.[^\\s"<>]+)`);

/**
 * A «Visio SMS» consultation created with a logged-in professional's request context, and the
 * guest's join link (its path) as it reached the outbox.
 */
export async function instantConsultationWithLink(request: APIRequestContext, contact: string): Promise<{ id: string; link: string }> {
  const created = await request.post('/api/consultations/instant', { data: { contact, consent: true } });
  if (created.status() !== 201) throw new Error(`POST /api/consultations/instant: ${created.status()} ${await created.text()}`);
  const id = ((await created.json()) as { consultation: { id: string } }).consultation.id;
  const link = (await waitForOutbox(request, joinLinkOf(id), 'the invitation with its join link'))[1]!;
  return { id, link };
}
