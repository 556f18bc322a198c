/**
 * Télédossiers are not kept forever (SPEC §7.3): each establishment sets a retention period
 * (default 90 days after the consultation). A daily job deletes each dossier past it — its Y.Doc,
 * its documents' blobs (when no other dossier holds the same bytes), its vault links — and writes
 * the purge to the audit log. The consultation record stays, so that the purge can be explained.
 */
import { dossierDocName } from '../../schema/dossier.ts';
import type { Consultation, Establishment } from '../store/consultations.ts';
import type { Store } from '../store/index.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';
import { CloseCode } from '../sync/closeCodes.ts';
import type { DocumentServices } from './index.ts';
import { localJobs, type JobRunner } from '../store/pg/jobs.ts';

export const DEFAULT_RETENTION_DAYS = 90;
/** The activity view warns this many days before the purge. */
export const PURGE_WARNING_DAYS = 14;
const DAY = 86_400_000;

/** When a consultation's dossier is purged: the end of its slot plus the retention period. */
export function purgeDate(consultation: Pick<Consultation, 'start' | 'durationMinutes'>, establishment: Pick<Establishment, 'retentionDays'> | undefined): Date {
  const end = Date.parse(consultation.start) + consultation.durationMinutes * 60_000;
  return new Date(end + (establishment?.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY);
}

export interface PurgedDossier {
  consultationId: string;
  documents: number;
  blobsDeleted: number;
}

export class Retention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly registry: RoomRegistry,
    private readonly documents: DocumentServices,
    private readonly log: (message: string) => void,
    /** In a cluster, one node at a time purges (store/pg/jobs.ts); the others skip that round. */
    private readonly jobs: JobRunner = localJobs,
  ) {}

  /** Runs now, then once a day. */
  start(everyMs = DAY): void {
    const run = (): void => {
      this.jobs.run('retention', () => this.purgeExpired()).catch((error: unknown) => this.log(`retention: ${error instanceof Error ? error.message : 'error'}`));
    };
    run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async purgeExpired(now = Date.now()): Promise<PurgedDossier[]> {
    const purged: PurgedDossier[] = [];
    for (const consultation of await this.store.consultations.list()) {
      const docName = dossierDocName(consultation.id);
      if (!(await this.store.docs.exists(docName))) continue;
      if (purgeDate(consultation, await this.store.establishments.get(consultation.establishmentId)).getTime() > now) continue;
      purged.push(await this.purge(consultation.id));
    }
    return purged;
  }

  private async purge(consultationId: string): Promise<PurgedDossier> {
    const docName = dossierDocName(consultationId);
    const room = this.registry.get(docName);
    if (room) {
      room.closeAll(CloseCode.Forbidden, 'dossier purged');
      // Loaded for a recent server edit, it would otherwise stay a while (Room.transact).
      room.endLinger();
      // Writes still pending must land before the log is deleted, or they would bring it back.
      for (let i = 0; i < 250 && this.registry.get(docName); i++) await new Promise((r) => setTimeout(r, 20));
    }
    const read = await this.documents.dossiers.read(consultationId);
    // The server's records and whatever the shared list still names (dossiers from before the records).
    const shared = read.documentList();
    read.doc.destroy();
    const list = [...new Map([...shared, ...(await this.documents.records.list(consultationId))].map((d) => [d.id, d])).values()];
    await this.store.docs.remove(docName);
    let blobsDeleted = 0;
    const owner = `dossier:${consultationId}`;
    for (const sha256 of new Set(list.map((d) => d.sha256))) {
      await this.documents.refs.remove(sha256, owner);
      if (!(await this.documents.refs.isReferenced(sha256))) {
        await this.documents.blobs.delete(sha256);
        blobsDeleted++;
      }
    }
    await this.documents.records.removeAll(consultationId);
    await this.documents.vault.removeForConsultation(consultationId);
    await this.documents.audit({ action: 'dossier.purge', actor: 'system', consultationId, detail: `${list.length} document(s)` });
    return { consultationId, documents: list.length, blobsDeleted };
  }
}
