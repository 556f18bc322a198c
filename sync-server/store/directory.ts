/** The professionals' directory (SPEC §5), imported from the RPPS extract: RPPS number → entry. */
import type { Databases } from './db.ts';
import type { Directory } from './contract.ts';
import { matchesDirectoryQuery, type DirectoryEntry } from '../../schema/directory.ts';

export class DirectoryStore implements Directory {
  constructor(private readonly db: Pick<Databases, 'directory' | 'root'>) {}

  async get(rpps: string): Promise<DirectoryEntry | undefined> {
    return this.db.directory.get(rpps) as DirectoryEntry | undefined;
  }

  /** Adds or replaces entries in one transaction. */
  async putMany(entries: DirectoryEntry[]): Promise<void> {
    await this.db.root.transaction(() => {
      for (const e of entries) void this.db.directory.put(e.rpps, e);
    });
  }

  async count(): Promise<number> {
    return this.db.directory.getCount();
  }

  /** Entries where every word of the query matches RPPS, name, profession, specialty, postcode or city. */
  async search(query: string, limit = 20): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    for (const { value } of this.db.directory.getRange()) {
      const entry = value as DirectoryEntry;
      if (matchesDirectoryQuery(entry, query)) out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }
}
