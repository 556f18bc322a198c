/**
 * The professionals' directory in PostgreSQL (contract.ts Directory). RPPS data is public, but it
 * is sealed like every record (one rule, no exception to audit), so a search cannot run in SQL:
 * it opens the entries in RPPS order, a page at a time, and stops once `limit` match. The cost is
 * one AES-GCM open per entry scanned: cheap when the words are common (a city, a profession), a
 * full pass over the directory when they match little or nothing (measured: 1.5 s for 50,000
 * entries, 2-core machine under load; a whole national extract is several times larger). If that
 * matters, an HMAC per normalised word, or the directory in clear, would let SQL narrow the pass.
 */
import type { Directory } from '../contract.ts';
import { matchesDirectoryQuery, searchForm, type DirectoryEntry } from '../../../schema/directory.ts';
import type { PgDatabase } from './db.ts';

const TABLE = 'directory';
/** Entries opened per round trip while searching. */
const PAGE = 2_000;
/** Entries written per statement by putMany (PostgreSQL takes at most 65,535 parameters). */
const BATCH = 1_000;

type Row = { rpps: string; payload: Buffer };

export class PgDirectory implements Directory {
  constructor(private readonly db: PgDatabase) {}

  async get(rpps: string): Promise<DirectoryEntry | undefined> {
    const row = (await this.db.query<Row>('SELECT rpps, payload FROM directory WHERE rpps = $1', [rpps])).rows[0];
    return row && this.db.open<DirectoryEntry>(TABLE, row.rpps, row.payload);
  }

  async putMany(entries: DirectoryEntry[]): Promise<void> {
    // The last entry of a number wins, as successive puts would (one statement may not touch a row twice).
    const latest = new Map(entries.map((e) => [e.rpps, e]));
    const all = [...latest.values()];
    await this.db.tx(async (client) => {
      for (let i = 0; i < all.length; i += BATCH) {
        const batch = all.slice(i, i + BATCH);
        const values = batch.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(', ');
        await client.query(
          `INSERT INTO directory (rpps, payload) VALUES ${values} ON CONFLICT (rpps) DO UPDATE SET payload = EXCLUDED.payload`,
          batch.flatMap((e) => [e.rpps, this.db.seal(TABLE, e.rpps, e)]),
        );
      }
    });
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM directory');
    return Number(rows[0]!.n);
  }

  async search(query: string, limit = 20): Promise<DirectoryEntry[]> {
    const out: DirectoryEntry[] = [];
    // No word matches nothing (matchesDirectoryQuery): no need to open the whole directory to say so.
    if (limit <= 0 || !searchForm(query).trim()) return out;
    let after = '';
    for (;;) {
      const { rows } = await this.db.query<Row>('SELECT rpps, payload FROM directory WHERE rpps > $1 ORDER BY rpps LIMIT $2', [after, PAGE]);
      for (const row of rows) {
        const entry = this.db.open<DirectoryEntry>(TABLE, row.rpps, row.payload);
        if (matchesDirectoryQuery(entry, query)) out.push(entry);
        if (out.length >= limit) return out;
      }
      if (rows.length < PAGE) return out;
      after = rows[rows.length - 1]!.rpps;
    }
  }
}
