/**
 * `npm run directory:import -- <file>`: loads the professionals' directory (SPEC §5) from the public
 * RPPS extract («PS_LibreAcces_Personne_activite», '|'-separated, UTF-8), optionally with the
 * MSSanté «Adresse BAL» column joined on. Entries are added or replaced by RPPS number; rows
 * without an RPPS number or a name are skipped and counted. Streams the file: the national
 * extract is hundreds of megabytes.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { entryFromRow, indexColumns, splitExtractLine, type ColumnIndex, type DirectoryEntry } from '../schema/directory.ts';
import type { Store } from '../sync-server/store/index.ts';

export const DEMO_DIRECTORY = resolve(import.meta.dirname, 'demo-directory.csv');

const BATCH = 1000;

export interface ImportReport {
  imported: number;
  skipped: number;
}

export async function importDirectoryFile(store: Store, path: string): Promise<ImportReport> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let index: ColumnIndex | null = null;
  let separator = '|';
  let batch: DirectoryEntry[] = [];
  const report: ImportReport = { imported: 0, skipped: 0 };
  // One entry per RPPS number: the extract has a row per activity, the first one wins.
  const seen = new Set<string>();
  for await (const raw of lines) {
    const line = raw.replace(/^\uFEFF/, '');
    if (line.trim() === '') continue;
    if (!index) {
      separator = line.includes('|') ? '|' : ';';
      index = indexColumns(splitExtractLine(line, separator));
      if (!index) throw new Error('En-tête inattendu : ce fichier n’a pas les colonnes de l’extraction RPPS (Identifiant PP, Nom d’exercice, Libellé profession).');
      continue;
    }
    const entry = entryFromRow(splitExtractLine(line, separator), index);
    if (!entry || seen.has(entry.rpps)) {
      report.skipped++;
      continue;
    }
    seen.add(entry.rpps);
    batch.push(entry);
    if (batch.length >= BATCH) {
      await store.directory.putMany(batch);
      report.imported += batch.length;
      batch = [];
    }
  }
  if (!index) throw new Error('Fichier vide.');
  await store.directory.putMany(batch);
  report.imported += batch.length;
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { readConfig } = await import('../sync-server/config.ts');
  const { openStore } = await import('../sync-server/store/index.ts');
  const file = process.argv[2] ?? DEMO_DIRECTORY;
  const config = readConfig();
  const store = openStore(config.dataDir);
  try {
    const report = await importDirectoryFile(store, resolve(file));
    console.log(`Annuaire importé : ${report.imported} professionnels (${report.skipped} lignes ignorées), ${await store.directory.count()} au total.`);
  } finally {
    await store.close();
  }
}
