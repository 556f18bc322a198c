/**
 * Where documents' audit entries go (SPEC §9: every read of a dossier, every send and every
 * download): the audit log, under its event types, with the document id in `detail`.
 */
import { audit, type AuditEventType } from '../audit/audit.ts';
import type { Context } from '../http/context.ts';
import type { DocumentAuditEntry } from './index.ts';

const TYPES: Record<DocumentAuditEntry['action'], [AuditEventType, string]> = {
  'dossier.pdf': ['document.download', 'fiche-brouillon'],
  'fiche.sign': ['document.sign', 'fiche'],
  'document.upload': ['document.upload', 'upload'],
  'document.download': ['document.download', 'dossier'],
  'document.stamp': ['document.sign', 'tampon'],
  'document.convert': ['document.upload', 'image-en-pdf'],
  'document.send': ['document.send', 'mssante'],
  'vault.create': ['document.send', 'coffre-fort'],
  'vault.open': ['vault.open', 'ouverture'],
  'vault.code': ['vault.open', 'code-envoye'],
  'vault.unlock': ['vault.open', 'code'],
  'vault.download': ['document.download', 'coffre-fort'],
  'vault.revoke': ['document.send', 'coffre-fort-revoque'],
  'dossier.export': ['document.download', 'export'],
  'dossier.purge': ['dossier.purge', 'conservation-echue'],
};

export function auditDocuments(ctx: Context, entry: DocumentAuditEntry): Promise<void> {
  const [type, what] = TYPES[entry.action];
  const detail = [what, entry.documentId ? `document ${entry.documentId}` : null, entry.detail ?? null].filter(Boolean).join(' ; ');
  return audit(ctx, {
    type,
    actorId: entry.actor.startsWith('vault:') || entry.actor === 'system' ? null : entry.actor,
    ...(entry.consultationId ? { consultationId: entry.consultationId } : {}),
    detail,
  });
}
