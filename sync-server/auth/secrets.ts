/**
 * Server secrets (peer-ticket HMAC key, and any other key a module needs): 32 random bytes each,
 * generated on first use under the data dir with mode 0600 and read back on every start, so that
 * tickets and links signed before a restart still verify after it (ARCHITECTURE "Configuration").
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET_BYTES = 32;
const NAME = /^[a-z0-9-]{1,40}$/;

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
  // A copy restored from a backup may come back world-readable.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (secret.byteLength < SECRET_BYTES) throw new Error(`Secret ${name} is too short; delete ${path} to regenerate it.`);
  return secret;
}
