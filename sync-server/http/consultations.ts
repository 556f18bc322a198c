/** The caller's consultations (SPEC §2). */
import type { ConsultationSummary } from '../../schema/api.ts';
import { consultationStatus } from '../../schema/consultation.ts';
import type { Consultation } from '../store/consultations.ts';
import { HttpError } from './reply.ts';
import { requireUser, type Context, type Route } from './context.ts';

export function summarise(c: Consultation, ctx: Context, now = Date.now()): ConsultationSummary {
  const patient = ctx.store.patients.get(c.patientId);
  const first = patient?.firstNames.split(' ')[0] ?? '';
  // Strict traits are stored in capitals (INS); the first name reads better in title case.
  const firstName = first.toLowerCase().replace(/(^|[-' ])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
  const lastName = patient ? (patient.usedName ?? patient.birthName) : '';
  return {
    id: c.id,
    establishmentId: c.establishmentId,
    patientName: `${firstName} ${lastName}`.trim(),
    start: c.start,
    durationMinutes: c.durationMinutes,
    reason: c.reason,
    status: consultationStatus({ start: c.start, durationMinutes: c.durationMinutes }, now),
  };
}

export const consultationRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/consultations$/,
    handler(req, reply, ctx) {
      const user = requireUser(req, ctx);
      const consultations = ctx.store.consultations.forParticipant(user.id).map((c) => summarise(c, ctx));
      reply.sendJson(200, { consultations });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/consultations\/([A-Za-z0-9_-]{1,64})$/,
    handler(req, reply, ctx) {
      const user = requireUser(req, ctx);
      const consultation = ctx.store.consultations.get(req.params[0] ?? '');
      // Same answer for "absent" and "not yours": existence is not disclosed.
      if (!consultation || !ctx.access.canSeeConsultation(user, consultation)) {
        throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
      }
      reply.sendJson(200, { consultation: summarise(consultation, ctx) });
    },
  },
];
