/**
 * The Yjs update log of each document in PostgreSQL (cluster nodes): a head row per document
 * (`doc_heads`: the last sequence number given, the snapshot and the seq it folds up to) and the
 * updates after the snapshot (`doc_updates`). Payloads are sealed (db.ts).
 *
 * Sequence numbers come from the head row, incremented in the same statement that inserts the
 * update: the row lock orders concurrent appends of one document, from any node, so numbers are
 * contiguous and follow commit order; a node that sees a gap knows something is missing and reads
 * it here (`since`). Appends of one document from this node go one statement at a time, several
 * updates queued meanwhile in the same statement; different documents go in parallel over the pool.
 *
 * Compaction folds the stored rows, not the caller's state: another node may have stored, below
 * the room's upTo, an update this room has not received yet.
 */
import * as Y from 'yjs';
import type { DocStore } from '../contract.ts';
import type { LoadedLog } from '../docLog.ts';
import { SEAL_OVERHEAD, type PgDatabase } from './db.ts';
import { lmdbCommitSeconds, syncCounts } from '../../metrics.ts';

interface Pending {
  updates: Uint8Array[];
  resolves: ((seq: number) => void)[];
  rejects: ((error: unknown) => void)[];
}

interface LogRow {
  kind: number;
  seq: string;
  payload: Buffer | null;
  last_seq: string | null;
}

const HEADS = 'doc_heads';
const UPDATES = 'doc_updates';

export class PgDocStore implements DocStore {
  /** Per document: the statement in flight, and what waits for the next one. */
  private readonly inFlight = new Set<string>();
  private readonly waiting = new Map<string, Pending>();
  lastCommitAt = 0;
  lastCommitFailureAt = 0;

  constructor(private readonly db: PgDatabase) {}

  async load(docName: string): Promise<LoadedLog> {
    return this.read(docName, -1);
  }

  since(docName: string, afterSeq: number): Promise<LoadedLog> {
    return this.read(docName, afterSeq);
  }

  /** One statement, so one snapshot of the database: a compaction cannot fall between two reads. */
  private async read(docName: string, afterSeq: number): Promise<LoadedLog> {
    const { rows } = await this.db.query<LogRow>(
      `SELECT 0 AS kind, snapshot_up_to AS seq, CASE WHEN snapshot_up_to > $2 OR $2 < 0 THEN snapshot END AS payload, last_seq
         FROM doc_heads WHERE doc_name = $1
       UNION ALL
       SELECT 1, u.seq, u.payload, NULL FROM doc_updates u JOIN doc_heads h ON h.doc_name = u.doc_name
         WHERE u.doc_name = $1 AND u.seq > GREATEST(h.snapshot_up_to, $2)
       ORDER BY kind, seq`,
      [docName, afterSeq],
    );
    const updates: Uint8Array[] = [];
    let lastSeq = 0;
    let tailCount = 0;
    let tailBytes = 0;
    let snapshotBytes = 0;
    for (const row of rows) {
      if (row.kind === 0) {
        lastSeq = Number(row.last_seq);
        if (row.payload) {
          const snapshot = this.db.openBytes(HEADS, docName, row.payload);
          snapshotBytes = snapshot.byteLength;
          updates.push(snapshot);
        }
        continue;
      }
      const update = this.db.openBytes(UPDATES, docName, row.payload!);
      updates.push(update);
      tailCount++;
      tailBytes += update.byteLength;
    }
    return { updates, lastSeq, tailCount, tailBytes, snapshotBytes };
  }

  append(docName: string, update: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      let pending = this.waiting.get(docName);
      if (!pending) {
        pending = { updates: [], resolves: [], rejects: [] };
        this.waiting.set(docName, pending);
      }
      pending.updates.push(update);
      pending.resolves.push(resolve);
      pending.rejects.push(reject);
      if (!this.inFlight.has(docName)) void this.flush(docName);
    });
  }

  private async flush(docName: string): Promise<void> {
    const pending = this.waiting.get(docName);
    if (!pending) return;
    this.waiting.delete(docName);
    this.inFlight.add(docName);
    const count = pending.updates.length;
    const started = performance.now();
    try {
      const { rows } = await this.db.query<{ seq: string }>(
        `WITH head AS (
           INSERT INTO doc_heads (doc_name, last_seq) VALUES ($1, $2)
           ON CONFLICT (doc_name) DO UPDATE SET last_seq = doc_heads.last_seq + $2
           RETURNING last_seq)
         INSERT INTO doc_updates (doc_name, seq, payload)
           SELECT $1, head.last_seq - $2 + u.ord, u.payload FROM head, unnest($3::bytea[]) WITH ORDINALITY AS u(payload, ord)
         RETURNING seq`,
        [docName, count, pending.updates.map((u) => this.db.sealBytes(UPDATES, docName, u))],
      );
      const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
      lmdbCommitSeconds.observe((performance.now() - started) / 1000);
      this.lastCommitAt = Date.now();
      syncCounts.updatesStored += count;
      pending.resolves.forEach((resolve, i) => resolve(seqs[i]!));
    } catch (error) {
      syncCounts.commitFailures++;
      this.lastCommitFailureAt = Date.now();
      for (const reject of pending.rejects) reject(error);
    } finally {
      this.inFlight.delete(docName);
      if (this.waiting.has(docName)) void this.flush(docName);
    }
  }

  /** Waits for this node's appends of the document queued before it. */
  private async settled(docName: string): Promise<void> {
    while (this.inFlight.has(docName) || this.waiting.has(docName)) {
      const pending = this.waiting.get(docName);
      if (pending) await new Promise<void>((resolve) => pending.resolves.push(() => resolve()) && pending.rejects.push(() => resolve()));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async compact(docName: string, upTo: number, _state?: Uint8Array): Promise<void> {
    await this.settled(docName);
    await this.db.tx(async (client) => {
      const head = await client.query<{ snapshot: Buffer | null; snapshot_up_to: string }>('SELECT snapshot, snapshot_up_to FROM doc_heads WHERE doc_name = $1 FOR UPDATE', [docName]);
      const current = head.rows[0];
      if (!current || Number(current.snapshot_up_to) >= upTo) return;
      const tail = await client.query<{ payload: Buffer }>('SELECT payload FROM doc_updates WHERE doc_name = $1 AND seq <= $2 ORDER BY seq', [docName, upTo]);
      const parts = tail.rows.map((r) => this.db.openBytes(UPDATES, docName, r.payload));
      if (current.snapshot) parts.unshift(this.db.openBytes(HEADS, docName, current.snapshot));
      const merged = Y.mergeUpdates(parts);
      await client.query('UPDATE doc_heads SET snapshot = $2, snapshot_up_to = $3 WHERE doc_name = $1', [docName, this.db.sealBytes(HEADS, docName, merged), upTo]);
      await client.query('DELETE FROM doc_updates WHERE doc_name = $1 AND seq <= $2', [docName, upTo]);
    });
    syncCounts.compactions++;
  }

  async replace(docName: string, upTo: number, state: Uint8Array): Promise<void> {
    await this.settled(docName);
    await this.db.tx(async (client) => {
      await client.query(
        `INSERT INTO doc_heads (doc_name, last_seq, snapshot_up_to, snapshot) VALUES ($1, $2, $2, $3)
         ON CONFLICT (doc_name) DO UPDATE SET snapshot = $3, snapshot_up_to = GREATEST(doc_heads.snapshot_up_to, $2)`,
        [docName, upTo, this.db.sealBytes(HEADS, docName, state)],
      );
      await client.query('DELETE FROM doc_updates WHERE doc_name = $1 AND seq <= $2', [docName, upTo]);
    });
  }

  async create(docName: string, initial: Uint8Array): Promise<void> {
    const { rowCount } = await this.db.query(
      'INSERT INTO doc_heads (doc_name, last_seq, snapshot_up_to, snapshot) VALUES ($1, 0, 0, $2) ON CONFLICT (doc_name) DO NOTHING',
      [docName, this.db.sealBytes(HEADS, docName, initial)],
    );
    if (rowCount !== 1) throw new Error(`document already exists: ${docName}`);
  }

  async sizeOf(docName: string): Promise<number> {
    const { rows } = await this.db.query<{ size: string | null }>(
      `SELECT COALESCE((SELECT length(snapshot) - ${SEAL_OVERHEAD} FROM doc_heads WHERE doc_name = $1 AND snapshot IS NOT NULL), 0)
            + COALESCE((SELECT sum(length(payload) - ${SEAL_OVERHEAD}) FROM doc_updates WHERE doc_name = $1), 0) AS size`,
      [docName],
    );
    return Number(rows[0]?.size ?? 0);
  }

  async exists(docName: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM doc_heads WHERE doc_name = $1', [docName]);
    return rowCount === 1;
  }

  async remove(docName: string): Promise<void> {
    await this.settled(docName);
    await this.db.tx(async (client) => {
      await client.query('DELETE FROM doc_updates WHERE doc_name = $1', [docName]);
      await client.query('DELETE FROM doc_heads WHERE doc_name = $1', [docName]);
    });
  }
}
