/**
 * What crosses nodes besides document updates, behind one small interface each, in two versions:
 * a single node's (what ran before the cluster, unchanged) and a cluster node's (Redis for what is
 * shared and short-lived, PostgreSQL advisory locks for the jobs one node at a time runs).
 * startServer takes them in `ServerOptions.cluster`; without it, the single node's.
 *
 * | piece            | one node                  | cluster                                  | Redis down                          |
 * |------------------|---------------------------|------------------------------------------|-------------------------------------|
 * | rights changes   | applied at once           | applied here, published to the others    | queued (bounded), rechecked on reconnect |
 * | login brakes     | memory per address        | Redis sorted set per address             | each node counts alone              |
 * | issued tickets   | memory                    | Redis key per peer id                    | own and already-read tickets only   |
 * | PSC login flows  | memory                    | Redis key per state, GETDEL              | kept on the starting node           |
 * | periodic jobs    | run                       | pg_try_advisory_lock, else skip the round | (PostgreSQL, not Redis)             |
 * | message tries    | as they come              | one node at a time per message (pg lock); pending ones swept every 5 min | (PostgreSQL) |
 */
import type pg from 'pg';
import type { AddressFailures } from '../auth/addressFailures.ts';
import { issuedTickets, type TicketRegistry } from '../auth/issuedTickets.ts';
import { exclusiveJobs, localJobs, messageLockKey, runExclusive, type JobRunner } from '../store/pg/jobs.ts';
import type { MessengerOptions } from '../messaging/Messenger.ts';
import { RedisAddressFailures } from './addressFailures.ts';
import { LocalEvents, RedisEvents, type ClusterEvents } from './events.ts';
import { RedisIssuedTickets } from './issuedTickets.ts';
import { RedisPendingFlows } from './pscFlows.ts';
import { pendingPscFlows, type PendingFlows } from '../auth/pscFlows.ts';
import type { RedisLink } from './redis.ts';
import type { Logger } from '../log.ts';

export const OUTBOX_SWEEP_MS = 5 * 60_000;

export interface ClusterServices {
  events: ClusterEvents;
  tickets: TicketRegistry;
  pscFlows: PendingFlows;
  /** Null: the login guard's own memory (one node). */
  addressFailures: AddressFailures | null;
  jobs: JobRunner;
  /** One try of a message at a time across nodes (Messenger `exclusive`); null on one node. */
  messageExclusive: MessengerOptions['exclusive'] | null;
  /**
   * How often one node plans again the messages left pending (a node that died with tries planned
   * in its memory); null on one node, where the start does it (Messenger.resume).
   */
  outboxSweepMs: number | null;
  /** Stops listening (the Redis link and the pool are closed by whoever opened them). */
  close(): Promise<void>;
}

/** A single node: what ran before the cluster. */
export function localServices(): ClusterServices {
  const events = new LocalEvents();
  return { events, tickets: issuedTickets, pscFlows: pendingPscFlows, addressFailures: null, jobs: localJobs, messageExclusive: null, outboxSweepMs: null, close: () => events.close() };
}

/**
 * A cluster node: `link` to Redis (RELAIS_REDIS_URL), `db` the PostgreSQL pool (RELAIS_DATABASE_URL)
 * when there is one, for the jobs' locks (without it every node runs its jobs, as a single node does).
 */
export function redisServices(link: RedisLink, db: { pool: pg.Pool } | null, logger: Pick<Logger, 'warn' | 'info'>): ClusterServices {
  const log = (message: string): void => logger.warn(message);
  const events = new RedisEvents(link, log);
  const addressFailures = new RedisAddressFailures(link, (shared) =>
    shared ? logger.info('login brakes: counting across nodes again (Redis back)') : logger.warn('login brakes: Redis unavailable, each node counts failures per address alone'),
  );
  return {
    events,
    tickets: new RedisIssuedTickets(link, log),
    pscFlows: new RedisPendingFlows(link),
    addressFailures,
    jobs: db ? exclusiveJobs(db) : localJobs,
    messageExclusive: db ? (id, attempt) => runExclusive(db, messageLockKey(id), attempt).then((outcome) => (outcome.ran ? outcome.result : null)) : null,
    outboxSweepMs: db ? OUTBOX_SWEEP_MS : null,
    close: () => events.close(),
  };
}
