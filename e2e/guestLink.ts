/**
 * A «Visio SMS» consultation created with a logged-in professional's request context, and the
 * guest's join link as it reached the local outbox (development server: `/dev/outbox`). Plain
 * Playwright API, so the benches (playwright-core) use it too.
 */
import type { APIRequestContext } from 'playwright-core';

export async function instantConsultationWithLink(request: APIRequestContext, contact: string): Promise<{ id: string; link: string }> {
  const created = await request.post('/api/consultations/instant', { data: { contact, consent: true } });
  if (created.status() !== 201) throw new Error(`POST /api/consultations/instant: ${created.status()} ${await created.text()}`);
  const id = ((await created.json()) as { consultation: { id: string } }).consultation.id;
  const pattern = new RegExp(`https?://[^\\s"<>]+/rejoindre/v1\\.${id}\\.[^\\s"<>]+`);
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    const list = await (await request.get('/dev/outbox')).text();
    for (const file of [...list.matchAll(/href="\/dev\/outbox\/([^"]+)"/g)].map((m) => m[1]!)) {
      const text = (await (await request.get(`/dev/outbox/${file}`)).text()).replace(/=\r?\n/g, '');
      const found = pattern.exec(text);
      if (found) return { id, link: new URL(found[0]).pathname };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the invitation with its join link did not reach the outbox');
}
