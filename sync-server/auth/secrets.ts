/**
 * Server secrets (peer-ticket HMAC key, and any other key a module needs): 32 random bytes each,
 * generated on first use under the data dir with mode 0600 and read back on every start, so that
 * tickets and links signed before a restart still verify after it (ARCHITECTURE "Configuration").
 *
 * The master key encrypts what is at rest: the uploaded documents (documents/blobStore.ts) and the
 * LMDB store (store/db.ts), each with a key of its own derived from it. Losing it loses both.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET_BYTES = 32;
const NAME = /^[a-z0-9-]{1,40}$/;

/**
 * A file 0600, a directory 0700, when others may read it: a copy restored from a backup may come
 * back world-readable, and an older Relais created its data dir 0755.
 */
export function keepPrivate(path: string): void {
  const stat = statSync(path);
  if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.isDirectory() ? 0o700 : 0o600);
}

/** The secret called `name` under `<dataDir>/keys/`, created on first use. */
export function loadOrCreateSecret(dataDir: string, name: string): Buffer {
  if (!NAME.test(name)) throw new Error(`Invalid secret name: ${name}`);
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${name}.key`);
  try {
    // 'wx' fails when the file exists: two processes starting together keep the first one's key.
    writeFileSync(path, randomBytes(SECRET_BYTES).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  keepPrivate(path);
  const secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (secret.byteLength < SECRET_BYTES) throw new Error(`Secret ${name} is too short; delete ${path} to regenerate it.`);
  return secret;
}

/** What tells a cluster node (RELAIS_REDIS_URL or RELAIS_DATABASE_URL set) from a single node. */
export interface SharedSecretConfig {
  dataDir: string;
  redisUrl?: string | null;
  databaseUrl?: string | null;
}

/** The environment too: a node must never sign with a key of its own because a setting was read elsewhere. */
export const isClusterNode = (config: SharedSecretConfig, env: NodeJS.ProcessEnv = process.env): boolean =>
  !!config.redisUrl || !!config.databaseUrl || !!env.RELAIS_REDIS_URL || !!env.RELAIS_DATABASE_URL;

/**
 * The secret called `name` (HMAC keys: invitation links, peer tickets). One node: a file in its
 * data dir, created on first use (loadOrCreateSecret). A cluster node: derived from
 * RELAIS_MASTER_KEY, which every node is given, so that a link or ticket one node signs verifies
 * on all; a file per node would differ between nodes. Without RELAIS_MASTER_KEY a cluster node
 * refuses to start rather than sign with a key of its own.
 */
export function sharedSecret(config: SharedSecretConfig, name: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (!NAME.test(name)) throw new Error(`Invalid secret name: ${name}`);
  if (!isClusterNode(config, env)) return loadOrCreateSecret(config.dataDir, name);
  if (!env.RELAIS_MASTER_KEY) throw new Error('RELAIS_MASTER_KEY is required in cluster mode: every node must derive the same secrets from it.');
  return deriveKey(loadMasterKey(config.dataDir, env), name, SECRET_BYTES);
}

/**
 * The master key: `RELAIS_MASTER_KEY` (64 hex or 44 base64 characters), else
 * `<dataDir>/keys/blob.key` (its name from when it keyed the documents alone), generated on first
 * use with mode 0600.
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.RELAIS_MASTER_KEY;
  if (fromEnv) {
    const key = /^[0-9a-fA-F]{64}$/.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error('RELAIS_MASTER_KEY must be 32 bytes (64 hex or 44 base64 characters)');
    return key;
  }
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'blob.key');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // 'wx': two processes starting at once must not each write a different key.
    try {
      writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  keepPrivate(path);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key`);
  return key;
}

/**
 * A key for one use (`purpose`, a fixed label) derived from the master key with HKDF-SHA256, so
 * that the keys of two uses differ and neither reveals the master key.
 */
export function deriveKey(masterKey: Buffer, purpose: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `relais ${purpose}`, bytes));
}
