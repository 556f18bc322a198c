/**
 * The PostgreSQL connection of a cluster node (RELAIS_DATABASE_URL): the pool, the schema
 * migrations run at start, and the sealing of records.
 *
 * Encrypted at rest as the LMDB store is: every record's payload is sealed (AES-256-GCM, a key
 * derived from the master key, bound to the record's table and key so that a payload moved to
 * another row does not open); clear columns hold ids, times, sequence numbers and HMACs of what a
 * lookup needs (an identifier, an RPPS number), never health data.
 *
 * Migrations: `migrations/NNN_name.sql`, applied in name order, each in its own transaction, once
 * (table relais_migrations), under an advisory lock so that nodes starting together take turns.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import pg from 'pg';
import { deriveKey } from '../../auth/secrets.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** pg_advisory_lock keys: one per kind of exclusive work (store/pg/jobs.ts takes the others). */
export const MIGRATION_LOCK = 0x52454c01;

const SEAL_VERSION = 1;
/** Bytes a sealed payload adds: version, IV, tag. */
export const SEAL_OVERHEAD = 29;

export class PgDatabase {
  readonly pool: pg.Pool;
  private readonly sealKey: Buffer;
  private readonly lookupKey: Buffer;

  constructor(url: string, masterKey: Buffer, options: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, idleTimeoutMillis: 30_000 });
    // An idle client whose server went away emits 'error': the pool drops it and the next query
    // takes a new connection. Without a listener Node would end the process.
    this.pool.on('error', () => undefined);
    // A client in use when the server goes away errors on its query (the caller gets it) and may
    // emit 'error' again while closing: also not a reason to end the process.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.sealKey = deriveKey(masterKey, 'postgres records', 32);
    this.lookupKey = deriveKey(masterKey, 'postgres lookup', 32);
  }

  /** Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). */
  async tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** A record's payload, sealed for the row (`table`, `key`) it goes into. */
  seal(table: string, key: string, value: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(`${table}\0${key}`));
    const body = Buffer.concat([cipher.update(serialize(value)), cipher.final()]);
    return Buffer.concat([Buffer.from([SEAL_VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** The value sealed for that row; throws when the payload was altered or belongs to another row. */
  open<T>(table: string, key: string, sealed: Buffer): T {
    if (sealed[0] !== SEAL_VERSION) throw new Error(`unknown sealed record version in ${table}`);
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(`${table}\0${key}`));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return deserialize(Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()])) as T;
  }

  /** Bytes sealed for the row (`table`, `key`), without serialising: the document log's hot path. */
  sealBytes(table: string, key: string, bytes: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(`${table}\0${key}`));
    const body = Buffer.concat([cipher.update(bytes), cipher.final()]);
    return Buffer.concat([Buffer.from([SEAL_VERSION]), iv, cipher.getAuthTag(), body]);
  }

  openBytes(table: string, key: string, sealed: Buffer): Uint8Array {
    if (sealed[0] !== SEAL_VERSION) throw new Error(`unknown sealed record version in ${table}`);
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(`${table}\0${key}`));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
  }

  /** The column a lookup by `value` uses: an HMAC, so the table never holds the value in clear. */
  lookup(kind: string, value: string): string {
    return createHmac('sha256', this.lookupKey).update(`${kind}\0${value}`).digest('hex');
  }

  /** Applies the migrations not yet applied; resolves with their names. */
  async migrate(): Promise<string[]> {
    const client = await this.pool.connect();
    const applied: string[] = [];
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS relais_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM relais_migrations')).rows.map((r) => r.name));
      for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort()) {
        if (done.has(file)) continue;
        await client.query('BEGIN');
        try {
          await client.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
          await client.query('INSERT INTO relais_migrations (name) VALUES ($1)', [file]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(file);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
    return applied;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
