/**
 * The Redis link of a cluster node (RELAIS_REDIS_URL): what crosses nodes without needing to last
 * (rights changes that close sockets, login brakes per address, issued peer tickets, the document
 * fan-out). Two connections: a subscriber is stuck in subscribe mode, so commands and publishes
 * go through the other.
 *
 * Both reconnect forever with a capped backoff: Redis going away must never end the process nor
 * stop the node serving; each user of the link says what it does meanwhile (loginGuard: counts on
 * this node; issued tickets: this node's own; events: queued, bounded). Nothing here is durable:
 * what must survive is in PostgreSQL first.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.ts';

/** Commands waiting for the connection beyond this are refused at once: memory stays bounded. */
export const MAX_OFFLINE_QUEUE = 1_000;
/** A command unanswered this long fails (and its caller falls back): a hung Redis must not hang a login. */
export const COMMAND_TIMEOUT_MS = 2_000;
/** Reconnection waits: 100 ms doubling, capped at 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(attempt - 1, 6));
}

export class RedisUnavailable extends Error {
  constructor(message = 'Redis unavailable') {
    super(message);
    this.name = 'RedisUnavailable';
  }
}

/** The URL as it may be logged: host, port and database, never the user or password. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unreadable Redis URL)';
  }
}

export interface RedisLinkOptions {
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Names the connections in CLIENT LIST and the log lines (e.g. the node's name). */
  name?: string;
  /** Tests shorten it. */
  commandTimeoutMs?: number;
  maxOfflineQueue?: number;
}

export class RedisLink {
  /** Commands and publishes. */
  readonly pub: Redis;
  /** Subscriptions only (a subscribed connection takes no other command). */
  readonly sub: Redis;
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly maxOfflineQueue: number;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly options: RedisLinkOptions,
  ) {
    this.maxOfflineQueue = options.maxOfflineQueue ?? MAX_OFFLINE_QUEUE;
    const base: RedisOptions = {
      lazyConnect: false,
      // Forever: the node keeps serving without Redis and rejoins when it is back.
      retryStrategy: reconnectDelay,
      // A command waits through reconnections (bounded in number by `command` below, in time by its timeout).
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      connectTimeout: 5_000,
    };
    this.pub = new Redis(url, { ...base, commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, connectionName: this.connectionName('pub') });
    this.sub = new Redis(url, { ...base, connectionName: this.connectionName('sub') });
    this.watch(this.pub, 'commands', false);
    this.watch(this.sub, 'subscriptions', true);
  }

  /** True while commands go straight to Redis (not queued). */
  get ready(): boolean {
    return this.pub.status === 'ready';
  }

  /**
   * `handler` runs each time the subscriber is back after a loss (not at the first connection):
   * messages published meanwhile were lost, the caller catches up (from PostgreSQL for documents).
   */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /**
   * Runs a command on the publisher connection. While Redis is away commands wait in ioredis's
   * offline queue; past `maxOfflineQueue` waiting, this refuses at once (RedisUnavailable).
   */
  command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new RedisUnavailable('Redis link closed'));
    if (!this.ready && this.offlineQueueLength() >= this.maxOfflineQueue) return Promise.reject(new RedisUnavailable('Redis offline queue full'));
    return run(this.pub);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnectHandlers.clear();
    // quit waits for replies to commands sent; disconnect ends what never got there.
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private connectionName(role: string): string {
    return `relais${this.options.name ? `-${this.options.name.replace(/[^A-Za-z0-9_-]/g, '')}` : ''}-${role}`;
  }

  /** ioredis does not expose its offline queue's length in its types; it is a Deque with `length`. */
  private offlineQueueLength(): number {
    const queue = (this.pub as unknown as { offlineQueue?: { length?: number } }).offlineQueue;
    return typeof queue?.length === 'number' ? queue.length : 0;
  }

  private watch(redis: Redis, role: string, signalsReconnect: boolean): void {
    const where = describeRedisUrl(this.url);
    let connectedOnce = false;
    let up = false;
    redis.on('ready', () => {
      up = true;
      this.options.logger.info({ redis: where, role }, connectedOnce ? 'redis: reconnected' : 'redis: connected');
      const again = connectedOnce;
      connectedOnce = true;
      if (again && signalsReconnect && !this.closed) {
        for (const handler of this.reconnectHandlers) {
          try {
            handler();
          } catch (error) {
            this.options.logger.warn({ role, err: error }, 'redis: reconnect handler failed');
          }
        }
      }
    });
    redis.on('close', () => {
      if (!up || this.closed) return;
      up = false;
      this.options.logger.warn({ redis: where, role }, 'redis: disconnected');
    });
    // Without a listener an 'error' event would end the process; the retries say enough in the log
    // through 'close'/'ready'. The message can quote the host, never the password (ioredis sends it, does not print it).
    redis.on('error', () => undefined);
  }
}
