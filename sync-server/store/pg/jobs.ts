/**
 * Periodic jobs that must run on one node at a time in a cluster (the retention purge, the
 * outbox's resumption of messages left pending): each round takes a PostgreSQL advisory lock,
 * session-level, on a connection of its own held for the job's length. A node that finds the lock
 * taken skips the round (the holder is doing the work); a node that dies mid-job drops its
 * connection, and with it the lock, so the next round elsewhere takes over.
 *
 * The lock keeps two nodes from running a job at once, not from running it again later: each
 * node keeps its own timer, so a daily job may run once per node per day, one after the other.
 * The jobs are written to be idempotent (a purged dossier is not purged again).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Advisory lock keys, one per job, after db.ts MIGRATION_LOCK (0x52454c01). Literal here: a single
 * node imports this file (localJobs) without loading pg.
 */
export const JOB_LOCKS = {
  retention: 0x52454c02,
  outbox: 0x52454c03,
} as const;

export type JobName = keyof typeof JOB_LOCKS;

export type JobOutcome<T> = { ran: true; result: T } | { ran: false };

/**
 * Runs `job` when no other session holds `lockKey`; otherwise resolves `{ ran: false }` at once.
 * The job's own queries go through the pool as usual: the lock's connection only holds the lock.
 */
export async function runExclusive<T>(db: { pool: pg.Pool }, lockKey: number, job: () => Promise<T>): Promise<JobOutcome<T>> {
  const client = await db.pool.connect();
  // Released broken (closed, not pooled) unless the lock is known to be let go.
  let broken = true;
  // A checked-out client whose server goes away emits 'error' (the pool listens only to idle
  // ones): without this listener the process would end. The unlock below then fails.
  const lost = (): void => undefined;
  client.on('error', lost);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockKey]);
    if (!rows[0]?.locked) {
      broken = false;
      return { ran: false };
    }
    try {
      return { ran: true, result: await job() };
    } finally {
      // When this fails the connection is gone, and the lock with it.
      await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).then(
        () => (broken = false),
        () => undefined,
      );
    }
  } finally {
    if (!broken) client.off('error', lost);
    client.release(broken);
  }
}

/** How the periodic jobs of a node run: at once on a single node, under the lock in a cluster. */
export interface JobRunner {
  run<T>(name: JobName, job: () => Promise<T>): Promise<JobOutcome<T>>;
}

export const localJobs: JobRunner = {
  async run(_name, job) {
    return { ran: true, result: await job() };
  },
};

export function exclusiveJobs(db: { pool: pg.Pool }): JobRunner {
  return { run: (name, job) => runExclusive(db, JOB_LOCKS[name], job) };
}

/**
 * The lock of one message's tries (messaging/Messenger.ts `exclusive`): 0x524d in the high bits,
 * away from the job keys, and 32 bits of the id's hash. Two ids sharing a key only take turns.
 */
export function messageLockKey(id: string): number {
  return 0x524d * 2 ** 32 + createHash('sha256').update(id).digest().readUInt32BE(0);
}
