/**
 * /dev/outbox: in development, what would have been emailed or texted, read from the local
 * outbox, next to every message's delivery record. Absent when NODE_ENV=production.
 */
import { Outbox } from '../messaging/outbox.ts';
import { outboxDir } from '../messaging/index.ts';
import { HttpError } from './reply.ts';
import type { Context, PageRoute } from './context.ts';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function outboxOf(ctx: Context): Outbox {
  if (ctx.config.production) throw new HttpError(404, 'not_found', 'Page introuvable.');
  return new Outbox(outboxDir(ctx.config.dataDir), ctx.config.mailFrom);
}

const STATUS_FR = { pending: 'en attente', sent: 'envoyé', failed: 'échec' } as const;

/** A page for developers (HTML), outside the REST contract. */
export const devOutboxRoutes: PageRoute[] = [
  {
    method: 'GET',
    pattern: /^\/dev\/outbox\/?$/,
    label: '/dev/outbox',
    async handler(_req, _match, reply, ctx) {
      const outbox = outboxOf(ctx);
      const files = await outbox.list();
      const records = await ctx.store.messages.records();
      const fileRows = files
        .map((f) => `<li><a href="/dev/outbox/${escape(f.file)}">${escape(f.file)}</a> (${f.channel === 'email' ? 'email' : 'SMS'})</li>`)
        .join('');
      const recordRows = records
        .map(
          (r) =>
            `<tr><td>${escape(r.createdAt)}</td><td>${r.channel}</td><td>${escape(r.to)}</td><td>${escape(r.purpose)}</td>` +
            `<td>${STATUS_FR[r.status]}</td><td>${r.attempts}</td><td>${escape(r.lastError ?? '')}</td></tr>`,
        )
        .join('');
      const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boîte d’envoi locale — Relais</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Boîte d’envoi locale (développement)</h1>
<p>Sans serveur SMTP ni passerelle SMS configurés, les messages sont écrits ici au lieu d’être envoyés.</p>
<h2>Messages écrits</h2>${files.length ? `<ul>${fileRows}</ul>` : '<p>Aucun message.</p>'}
<h2>Suivi des envois</h2>
<table><thead><tr><th scope="col">Créé le</th><th scope="col">Canal</th><th scope="col">Destinataire</th><th scope="col">Objet</th>
<th scope="col">Statut</th><th scope="col">Essais</th><th scope="col">Dernière erreur</th></tr></thead><tbody>${recordRows}</tbody></table>
</main></body></html>`;
      reply.send(200, html, [
        ['Content-Type', 'text/html; charset=utf-8'],
        ['Cache-Control', 'no-store'],
      ]);
    },
  },
  {
    method: 'GET',
    pattern: /^\/dev\/outbox\/([^/]+)$/,
    label: '/dev/outbox/:id',
    async handler(_req, match, reply, ctx) {
      const content = await outboxOf(ctx).read(match[0] ?? '');
      if (!content) throw new HttpError(404, 'not_found', 'Message introuvable.');
      reply.send(200, content, [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Cache-Control', 'no-store'],
      ]);
    },
  },
];
