/** The professionals' directory (SPEC §5), imported from the RPPS extract: RPPS number → entry. */
import type { Databases } from './db.ts';
import { matchesDirectoryQuery, type DirectoryEntry } from '../../schema/directory.ts';

export class DirectoryStore {
  constructor(private readonly db: Pick<Databases, 'directory' | 'root'>) {}

  get(rpps: string): DirectoryEntry | undefined {
    return this.db.directory.get(rpps) as DirectoryEntry | undefined;
  }

  /** Adds or replaces entries in one transaction. */
  async putMany(entries: DirectoryEntry[]): Promise<void> {
    await this.db.root.transaction(() => {
      for (const e of entries) void this.db.directory.put(e.rpps, e);
    });
  }

  count(): number {
    return this.db.directory.getCount();
  }

  /** Entries where every word of the query matches RPPS, name, profession, specialty, postcode or city. */
  search(query: string, limit = 20): DirectoryEntry[] {
    const out: DirectoryEntry[] = [];
    for (const { value } of this.db.directory.getRange()) {
      const entry = value as DirectoryEntry;
      if (matchesDirectoryQuery(entry, query)) out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }
}
