/**
 * The télédossier's documents (SPEC §7.1, §7.3, §9): what the HTTP routes of documents, fiche,
 * signature and vault share. Built once by server.ts.
 *
 *   blobStore.ts       encrypted, content-addressed bytes      fileType.ts   type from the bytes
 *   fichePdf.ts        the fiche as a PDF                       stamp.ts      signature stamp, image → PDF
 *   dossierEdits.ts    server edits of the dossier Y.Doc        blobRefs.ts   who holds a blob
 *   documentRecords.ts the server's record of each document (what the edge trusts)
 *   signatureImages.ts each user's signature image             vaultLinks.ts «Coffre-fort sécurisé» links
 *   zip.ts             «Exporter», streamed (yazl)              retention.ts  the daily purge
 *   pdfPool.ts         PDF jobs in worker threads (pdfWorker.ts runs them)
 */
import { PdfPool } from './pdfPool.ts';
import type { Config } from '../config.ts';
import type { BlobRefStore, Blobs, DocumentRecordStore, SignatureImages, Store, VaultLinks } from '../store/contract.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';
import { DossierEdits } from './dossierEdits.ts';

/** An audit entry about documents. Never holds health data: ids and actions only. */
export interface DocumentAuditEntry {
  action:
    | 'dossier.pdf'
    | 'fiche.sign'
    | 'document.upload'
    | 'document.download'
    | 'document.stamp'
    | 'document.convert'
    | 'document.send'
    | 'vault.create'
    | 'vault.open'
    | 'vault.code'
    | 'vault.unlock'
    | 'vault.download'
    | 'vault.revoke'
    | 'dossier.export'
    | 'dossier.purge';
  actor: string;
  consultationId?: string;
  documentId?: string;
  detail?: string;
}

/** Resolves once the entry is stored: routes await it before answering, so nothing is served unaudited. */
export type DocumentAudit = (entry: DocumentAuditEntry) => Promise<void>;

export interface DocumentServices {
  blobs: Blobs;
  refs: BlobRefStore;
  records: DocumentRecordStore;
  dossiers: DossierEdits;
  signatures: SignatureImages;
  vault: VaultLinks;
  /** Largest upload accepted, in bytes (RELAIS_MAX_UPLOAD_MB, default 25). */
  maxUploadBytes: number;
  /** Days a vault link stays valid (RELAIS_VAULT_DAYS, default 7). */
  vaultDays: number;
  audit: DocumentAudit;
  /** PDF rendering and stamping, in worker threads. Closed with the server. */
  pdf: PdfPool;
}

/** The documents' services over the store's blobs and records (whichever backend holds them). */
export function createDocumentServices(
  config: Config,
  store: Pick<Store, 'blobs' | 'blobRefs' | 'documentRecords' | 'signatureImages' | 'vaultLinks'>,
  registry: RoomRegistry,
  audit: DocumentAudit,
): DocumentServices {
  return {
    blobs: store.blobs,
    refs: store.blobRefs,
    records: store.documentRecords,
    dossiers: new DossierEdits(registry),
    signatures: store.signatureImages,
    vault: store.vaultLinks,
    maxUploadBytes: Math.round(config.maxUploadMb * 1024 * 1024),
    vaultDays: config.vaultDays,
    audit,
    pdf: new PdfPool({ workers: config.pdf.workers, queue: config.pdf.queue, memoryMb: config.pdf.workerMemoryMb }),
  };
}
