/**
 * The document records of a cluster node in PostgreSQL, with the semantics of their LMDB
 * versions (documents/blobRefs.ts, documentRecords.ts, signatureImages.ts, vaultLinks.ts).
 * Tables: migrations/003_documents.sql. Clear columns hold ids, hashes and times; the records
 * themselves are sealed for their row (db.ts).
 *
 * The vault's read-modify-writes (a try, a code, an update) run in one transaction that locks the
 * link's row (SELECT … FOR UPDATE): concurrent guesses on any node queue on that lock, and each
 * reads the count the previous one left, so none gets a try the rule does not give.
 */
import type pg from 'pg';
import type { BlobRefStore, DocumentRecordStore, SignatureImages, VaultCodeIssue, VaultLinks, VaultTry } from '../contract.ts';
import type { DocumentEntry } from '../../../schema/dossier.ts';
import type { SignatureImageRecord } from '../../documents/signatureImages.ts';
import { VAULT_CODE_MINUTES, VAULT_MAX_CODES, hashSecret, vaultState, type VaultLink } from '../../documents/vaultLinks.ts';
import { BLOB_LOOKUP } from './blobs.ts';
import type { PgDatabase } from './db.ts';

interface Sealed {
  payload: Buffer;
}

/** Who holds a blob, keyed by the HMAC of its content hash (as blobs.sha_key), not the hash itself. */
export class PgBlobRefs implements BlobRefStore {
  constructor(private readonly db: PgDatabase) {}

  private key(sha256: string): string {
    return this.db.lookup(BLOB_LOOKUP, sha256);
  }

  async add(sha256: string, owner: string): Promise<void> {
    await this.db.query('INSERT INTO blob_refs (sha_key, owner) VALUES ($1, $2) ON CONFLICT DO NOTHING', [this.key(sha256), owner]);
  }

  async remove(sha256: string, owner: string): Promise<void> {
    await this.db.query('DELETE FROM blob_refs WHERE sha_key = $1 AND owner = $2', [this.key(sha256), owner]);
  }

  async holds(sha256: string, owner: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM blob_refs WHERE sha_key = $1 AND owner = $2', [this.key(sha256), owner]);
    return rowCount === 1;
  }

  async isReferenced(sha256: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM blob_refs WHERE sha_key = $1 LIMIT 1', [this.key(sha256)]);
    return rowCount === 1;
  }
}

const RECORDS = 'document_records';
const recordKey = (consultationId: string, documentId: string): string => JSON.stringify([consultationId, documentId]);

export class PgDocumentRecords implements DocumentRecordStore {
  constructor(private readonly db: PgDatabase) {}

  async get(consultationId: string, documentId: string): Promise<DocumentEntry | undefined> {
    const { rows } = await this.db.query<Sealed>('SELECT payload FROM document_records WHERE consultation_id = $1 AND document_id = $2', [consultationId, documentId]);
    return rows[0] ? this.db.open<DocumentEntry>(RECORDS, recordKey(consultationId, documentId), rows[0].payload) : undefined;
  }

  async put(consultationId: string, entry: DocumentEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO document_records (consultation_id, document_id, payload) VALUES ($1, $2, $3)
       ON CONFLICT (consultation_id, document_id) DO UPDATE SET payload = EXCLUDED.payload`,
      [consultationId, entry.id, this.db.seal(RECORDS, recordKey(consultationId, entry.id), entry)],
    );
  }

  /** Every record of a dossier, in id order (byte order, as LMDB's keys). */
  async list(consultationId: string): Promise<DocumentEntry[]> {
    const { rows } = await this.db.query<Sealed & { document_id: string }>(
      'SELECT document_id, payload FROM document_records WHERE consultation_id = $1 ORDER BY document_id COLLATE "C"',
      [consultationId],
    );
    return rows.map((row) => this.db.open<DocumentEntry>(RECORDS, recordKey(consultationId, row.document_id), row.payload));
  }

  async removeAll(consultationId: string): Promise<void> {
    await this.db.query('DELETE FROM document_records WHERE consultation_id = $1', [consultationId]);
  }
}

const SIGNATURES = 'signature_images';

export class PgSignatureImages implements SignatureImages {
  constructor(private readonly db: PgDatabase) {}

  async get(userId: string): Promise<SignatureImageRecord | undefined> {
    const { rows } = await this.db.query<Sealed>('SELECT payload FROM signature_images WHERE user_id = $1', [userId]);
    return rows[0] ? this.db.open<SignatureImageRecord>(SIGNATURES, userId, rows[0].payload) : undefined;
  }

  async put(record: SignatureImageRecord): Promise<void> {
    await this.db.query(
      'INSERT INTO signature_images (user_id, payload) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET payload = EXCLUDED.payload',
      [record.userId, this.db.seal(SIGNATURES, record.userId, record)],
    );
  }

  async remove(userId: string): Promise<void> {
    await this.db.query('DELETE FROM signature_images WHERE user_id = $1', [userId]);
  }
}

const LINKS = 'vault_links';

/** Vault links, keyed by the sha-256 of the link's token (hashSecret), as in LMDB. */
export class PgVaultLinks implements VaultLinks {
  constructor(private readonly db: PgDatabase) {}

  private open(row: Sealed & { token_hash: string }): VaultLink {
    return this.db.open<VaultLink>(LINKS, row.token_hash, row.payload);
  }

  private async write(client: Pick<pg.PoolClient, 'query'> | null, tokenHash: string, link: VaultLink): Promise<void> {
    await (client ?? this.db.pool).query(
      `INSERT INTO vault_links (token_hash, id, consultation_id, created_at, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (token_hash) DO UPDATE SET id = EXCLUDED.id, consultation_id = EXCLUDED.consultation_id,
         created_at = EXCLUDED.created_at, payload = EXCLUDED.payload`,
      [tokenHash, link.id, link.consultationId, link.createdAt, this.db.seal(LINKS, tokenHash, link)],
    );
  }

  async byToken(token: string): Promise<VaultLink | undefined> {
    const { rows } = await this.db.query<Sealed & { token_hash: string }>('SELECT token_hash, payload FROM vault_links WHERE token_hash = $1', [hashSecret(token)]);
    return rows[0] ? this.open(rows[0]) : undefined;
  }

  async byId(id: string): Promise<VaultLink | undefined> {
    const { rows } = await this.db.query<Sealed & { token_hash: string }>('SELECT token_hash, payload FROM vault_links WHERE id = $1 LIMIT 1', [id]);
    return rows[0] ? this.open(rows[0]) : undefined;
  }

  async forConsultation(consultationId: string): Promise<VaultLink[]> {
    const { rows } = await this.db.query<Sealed & { token_hash: string }>(
      'SELECT token_hash, payload FROM vault_links WHERE consultation_id = $1 ORDER BY created_at COLLATE "C", token_hash',
      [consultationId],
    );
    return rows.map((row) => this.open(row));
  }

  async put(link: VaultLink): Promise<void> {
    await this.write(null, link.tokenHash, link);
  }

  /**
   * `change` runs on the link as locked, and its result is written in the same transaction, so that
   * two wrong codes at once both count. Resolves with what is stored after, or undefined.
   */
  private locked<T>(tokenHash: string, change: (link: VaultLink | undefined) => { next?: VaultLink; result: T }): Promise<T> {
    return this.db.tx(async (client) => {
      const { rows } = await client.query<Sealed & { token_hash: string }>('SELECT token_hash, payload FROM vault_links WHERE token_hash = $1 FOR UPDATE', [tokenHash]);
      const { next, result } = change(rows[0] ? this.open(rows[0]) : undefined);
      if (next) await this.write(client, tokenHash, next);
      return result;
    });
  }

  update(tokenHash: string, change: (link: VaultLink) => VaultLink): Promise<VaultLink | undefined> {
    return this.locked(tokenHash, (current) => {
      if (!current) return { result: undefined };
      const next = change(current);
      return { next, result: next };
    });
  }

  /** Spends one try before the answer is compared; returns the link with the tries left after it. */
  takeTry(tokenHash: string, now = Date.now()): Promise<VaultTry> {
    return this.locked<VaultTry>(tokenHash, (current) => {
      if (!current) return { result: { ok: false, state: 'missing' } };
      const state = vaultState(current, now);
      if (state !== 'open') return { result: { ok: false, state } };
      const link = { ...current, triesLeft: current.triesLeft - 1 };
      return { next: link, result: { ok: true, link } };
    });
  }

  issueCode(tokenHash: string, codeHash: string, now = Date.now()): Promise<VaultCodeIssue> {
    return this.locked<VaultCodeIssue>(tokenHash, (current) => {
      if (!current) return { result: { ok: false, state: 'missing' } };
      const state = vaultState(current, now);
      if (state !== 'open') return { result: { ok: false, state } };
      if (current.codesSent >= VAULT_MAX_CODES) return { result: { ok: false, state: 'too_many_codes' } };
      const codeExpiresAt = new Date(now + VAULT_CODE_MINUTES * 60_000).toISOString();
      return { next: { ...current, codeHash, codeExpiresAt, codesSent: current.codesSent + 1 }, result: { ok: true } };
    });
  }

  async removeForConsultation(consultationId: string): Promise<void> {
    await this.db.query('DELETE FROM vault_links WHERE consultation_id = $1', [consultationId]);
  }
}
