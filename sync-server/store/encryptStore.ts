/**
 * `npm run admin -- store encrypt` (#11): a clear store, from before encryption at rest, becomes an
 * encrypted one without losing a record. Relais must be stopped; the data dir needs room for a
 * second copy of `lmdb/`.
 *
 * 1. every sub-database is copied, byte for byte (keys and values as stored), into a new encrypted
 *    environment `lmdb.encrypting/`;
 * 2. both are reopened and every record compared (count and SHA-256 of the whole sub-database);
 * 3. `lmdb/` becomes `lmdb.clear/`, `lmdb.encrypting/` becomes `lmdb/`;
 * 4. `lmdb.clear/` is removed. Kept, it would be a complete clear copy of every patient's record
 *    that nobody remembers to delete; the comparison in 2 is the check an operator would make, and
 *    the encrypted copy reads with the very key the server derives.
 * Interrupted anywhere, the command is run again and resumes; the server refuses to start while
 * `lmdb.clear/` exists (db.ts openDatabases).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { clearLmdbDir, copyRecords, lmdbDir, rawDatabase, type RawDatabase, lmdbEncryptionKey, openEnvironment, storeFormat, StoreRefusedError, SUB_DATABASES, type StoreFormat } from './db.ts';

type Raw = RawDatabase;

const encryptingDir = (dataDir: string): string => join(dataDir, 'lmdb.encrypting');

/** A sub-database as stored: lmdb-js decodes nothing, so the copy is the bytes themselves. */
const raw = rawDatabase;

function openAs(path: string, expected: StoreFormat, key: string): RootDatabase {
  // lmdb-js kills the process when the key does not match the format: checked before it opens.
  const format = storeFormat(path);
  if (format !== expected) throw new Error(`${path} : format ${format}, attendu ${expected}`);
  return openEnvironment(path, expected === 'clear' ? null : key);
}

/** The names of the sub-databases in a clear environment; its main database holds nothing else. */
function subDatabasesOf(root: RootDatabase): string[] {
  const names = [...root.getKeys()].map(String);
  const unknown = names.filter((n) => !(SUB_DATABASES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new StoreRefusedError(
      `Le stockage contient des bases inconnues de cette version de Relais (${unknown.join(', ')}) : rien n’a été modifié.`,
      `The store holds databases this version of Relais does not know (${unknown.join(', ')}): nothing was changed.`,
    );
  }
  return names;
}

/** Processes other than this one that have the environment open (a server still running). */
function otherProcesses(root: RootDatabase): number[] {
  root.readerCheck();
  const pids = root
    .readerList()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  return [...new Set(pids.filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid))];
}

function digest(db: Raw): { count: number; sha256: string } {
  const hash = createHash('sha256');
  const length = Buffer.alloc(4);
  let count = 0;
  for (const { key, value } of db.getRange()) {
    for (const part of [key, value]) {
      length.writeUInt32LE(part.byteLength);
      hash.update(length).update(part);
    }
    count++;
  }
  return { count, sha256: hash.digest('hex') };
}

/** Every record of the clear environment, read again from the encrypted one; the record count. */
async function verify(clearPath: string, encryptedPath: string, key: string): Promise<{ databases: number; records: number }> {
  const clear = openAs(clearPath, 'clear', key);
  const encrypted = openAs(encryptedPath, 'encrypted', key);
  try {
    let records = 0;
    const names = subDatabasesOf(clear);
    for (const name of names) {
      const expected = digest(raw(clear, name));
      const found = digest(raw(encrypted, name));
      if (found.count !== expected.count || found.sha256 !== expected.sha256) {
        throw new Error(`Vérification échouée pour la base ${name} : ${found.count} enregistrements sur ${expected.count}. Le stockage en clair est intact ; rien n’a été remplacé.`);
      }
      records += expected.count;
    }
    return { databases: names.length, records };
  } finally {
    await Promise.all([clear.close(), encrypted.close()]);
  }
}

/** Renames survive a power cut once the directory holding them is on disk. */
function syncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function encryptStore(dataDir: string, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const live = lmdbDir(dataDir);
  const clear = clearLmdbDir(dataDir);
  const encrypting = encryptingDir(dataDir);
  const key = lmdbEncryptionKey(dataDir, env);
  let verified: { databases: number; records: number } | null = null;

  if (!existsSync(clear)) {
    const format = storeFormat(live);
    if (format !== 'clear') {
      out(format === 'encrypted' ? `Le stockage ${live} est déjà chiffré : rien à faire.` : `Aucun stockage dans ${live} : Relais le créera chiffré.`);
      return;
    }
    rmSync(encrypting, { recursive: true, force: true });
    const source = openAs(live, 'clear', key);
    try {
      const others = otherProcesses(source);
      if (others.length > 0) {
        throw new StoreRefusedError(
          `Le stockage est ouvert par un autre processus (pid ${others.join(', ')}) : arrêtez Relais avant de le chiffrer. Rien n’a été modifié.`,
          `The store is open in another process (pid ${others.join(', ')}): stop Relais before encrypting it. Nothing was changed.`,
        );
      }
      const target = openAs(encrypting, 'absent', key);
      try {
        for (const name of subDatabasesOf(source)) copyRecords(raw(source, name), raw(target, name));
        await target.flushed;
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
    verified = await verify(live, encrypting, key);
    renameSync(live, clear);
    syncDir(dataDir);
  }

  if (!existsSync(live)) {
    if (!existsSync(encrypting)) {
      throw new StoreRefusedError(
        `Ni ${live} ni ${encrypting} : renommez ${clear} en ${live} puis relancez la commande.`,
        `Neither ${live} nor ${encrypting}: rename ${clear} to ${live}, then run the command again.`,
      );
    }
    verified ??= await verify(clear, encrypting, key);
    renameSync(encrypting, live);
    syncDir(dataDir);
  }

  verified ??= await verify(clear, live, key);
  out(`Stockage chiffré : ${verified.databases} bases, ${verified.records} enregistrements, chacun relu à l’identique avec la clé du serveur.`);
  rmSync(clear, { recursive: true, force: true });
  syncDir(dataDir);
  out(`Copie en clair supprimée. Les sauvegardes du dossier de données faites avant ce jour contiennent encore les données en clair : détruisez-les.`);
}
