/**
 * Writing to the audit log (SPEC §9): every login, dossier open, send and download. Call
 * `audit(ctx, { type, actorId, ... })`; it never throws into the caller's request, and it carries
 * ids only, never health content.
 */
import type { AuditEvent } from '../store/audit.ts';
import type { Store } from '../store/index.ts';
import { sharedLogger, type Logger } from '../log.ts';

export type { AuditEvent, AuditEventType } from '../store/audit.ts';

export async function audit(ctx: { store: Pick<Store, 'audit' | 'consultations'>; logger?: Logger }, event: Omit<AuditEvent, 'at'>): Promise<void> {
  try {
    // The patient is named on every event about their consultation, so that filtering by patient
    // finds sends and downloads too.
    const patientId = event.patientId ?? (event.consultationId ? (await ctx.store.consultations.get(event.consultationId))?.patientId : undefined);
    await ctx.store.audit.append(patientId ? { ...event, patientId } : event);
  } catch (error) {
    (ctx.logger ?? sharedLogger()).error({ event: event.type, err: error }, 'audit: write failed');
  }
}
