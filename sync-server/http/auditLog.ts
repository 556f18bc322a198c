/**
 * The audit log, read by an establishment's administrator (SPEC §9), filtered by person, patient
 * and date. Only events about the establishments the reader administers are shown (an
 * administrator of A who works in B as a professional does not read B's log).
 */
import { requireUser, type Handlers } from './context.ts';
import { HttpError } from './reply.ts';
import { parisWallClockToInstant } from '../../schema/consultation.ts';
import type { AuditEvent } from '../store/audit.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export const auditHandlers: Handlers<'auditLog'> = {
  async auditLog(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    if (!ctx.access.canReadAudit(user)) throw new HttpError(403, 'forbidden', 'Le journal d’audit est réservé aux administrateurs de l’établissement.');
    const query = req.readQuery();
    const actor = query.person || undefined;
    const patient = query.patient || undefined;
    const from = query.from || undefined;
    const to = query.to || undefined;
    if ((actor && !ID.test(actor)) || (patient && !ID.test(patient))) throw new HttpError(400, 'invalid_request', 'Filtre invalide.');
    // Days as the establishment lives them (Europe/Paris), `to` included whole.
    const fromInstant = from ? parisWallClockToInstant(from, '00:00') : undefined;
    const dayAfter = to && DATE.test(to) ? new Date(Date.parse(`${to}T12:00:00Z`) + 24 * 3600_000).toISOString().slice(0, 10) : undefined;
    const toInstant = dayAfter ? parisWallClockToInstant(dayAfter, '00:00') : undefined;
    if (fromInstant === null || toInstant === null || (from && !DATE.test(from)) || (to && !DATE.test(to))) {
      throw new HttpError(400, 'invalid_request', 'Date invalide : utilisez le format aaaa-mm-jj.');
    }
    const found = await ctx.store.audit.query({
      actorId: actor,
      patientId: patient,
      from: fromInstant === undefined ? undefined : new Date(fromInstant).toISOString(),
      to: toInstant === undefined ? undefined : new Date(toInstant).toISOString(),
      limit: 2000,
    });
    const events: (AuditEvent & { actorName: string | null })[] = [];
    for (const e of found) {
      if (events.length >= 500) break;
      if (!(await ctx.access.canReadAuditEvent(user, e))) continue;
      const person = e.actorId ? await ctx.store.users.get(e.actorId) : undefined;
      events.push({ ...e, actorName: person?.displayName ?? null });
    }
    const people = (await ctx.store.users.list())
      .filter((u) => u.establishmentIds.some((id) => user.adminOf.includes(id)))
      .map((u) => ({ id: u.id, displayName: u.displayName }));
    reply.sendJson(200, { events, people });
  },
};
