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
import type { Database } from 'lmdb';
import type { Config } from '../config.ts';
import type { Key } from '../store/db.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';
import { BlobStore, loadMasterKey } from './blobStore.ts';
import { BlobRefs } from './blobRefs.ts';
import { DocumentRecords } from './documentRecords.ts';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { DossierEdits } from './dossierEdits.ts';
import { SignatureImageStore, type SignatureImageRecord } from './signatureImages.ts';
import { VaultLinkStore, type VaultLink } from './vaultLinks.ts';

/** What the documents need from LMDB (opened in store/db.ts). */
export interface DocumentDatabases {
  blobRefs: Database<true, Key>;
  documentRecords: Database<DocumentEntry, Key>;
  signatureImages: Database<SignatureImageRecord, string>;
  vaultLinks: Database<VaultLink, string>;
}

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
  blobs: BlobStore;
  refs: BlobRefs;
  records: DocumentRecords;
  dossiers: DossierEdits;
  signatures: SignatureImageStore;
  vault: VaultLinkStore;
  /** Largest upload accepted, in bytes (RELAIS_MAX_UPLOAD_MB, default 25). */
  maxUploadBytes: number;
  /** Days a vault link stays valid (RELAIS_VAULT_DAYS, default 7). */
  vaultDays: number;
  audit: DocumentAudit;
  /** PDF rendering and stamping, in worker threads. Closed with the server. */
  pdf: PdfPool;
}

export function createDocumentServices(
  config: Config,
  dbs: DocumentDatabases,
  registry: RoomRegistry,
  audit: DocumentAudit,
): DocumentServices {
  const blobs = new BlobStore(config.dataDir, loadMasterKey(config.dataDir));
  return {
    blobs,
    refs: new BlobRefs(dbs.blobRefs),
    records: new DocumentRecords(dbs.documentRecords),
    dossiers: new DossierEdits(registry),
    signatures: new SignatureImageStore(dbs.signatureImages),
    vault: new VaultLinkStore(dbs.vaultLinks),
    maxUploadBytes: Math.round(config.maxUploadMb * 1024 * 1024),
    vaultDays: config.vaultDays,
    audit,
    pdf: new PdfPool({ workers: config.pdf.workers, queue: config.pdf.queue, memoryMb: config.pdf.workerMemoryMb }),
  };
}
