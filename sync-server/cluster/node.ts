/**
 * What a node runs on, from its configuration (issue 16):
 * - nothing set: the embedded LMDB store in the data dir, one process (`npm start`);
 * - RELAIS_DATABASE_URL: PostgreSQL for everything durable (one node on a managed database, or a
 *   cluster node); RELAIS_MASTER_KEY is then required, the same on every node (records are sealed
 *   with keys derived from it, and the shared HMAC secrets too);
 * - RELAIS_REDIS_URL as well: a cluster node, documents' updates and the short-lived shared state
 *   crossing nodes through Redis. Redis without PostgreSQL is refused: nodes would share nothing
 *   durable.
 */
import { hostname } from 'node:os';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/contract.ts';
import { openStore } from '../store/index.ts';
import { openPgStore, type PgStore } from '../store/pg/index.ts';
import { loadMasterKey } from '../auth/secrets.ts';
import { localServices, redisServices, type ClusterServices } from './index.ts';
import { RedisLink } from './redis.ts';
import { LocalDocBus, RedisDocBus, type DocBus } from './docBus.ts';

export interface NodeBackends {
  store: Store;
  cluster: ClusterServices;
  bus: DocBus;
  /** After the server closed: the bus, the Redis link, the store. */
  close(): Promise<void>;
}

export class BackendConfigError extends Error {
  override readonly name = 'BackendConfigError';
}

/** PostgreSQL connections per node: the document log's appends, one per document in flight, come first. */
const PG_POOL_SIZE = 20;

export async function openBackends(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'redisUrl' | 'nodeId'>, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<NodeBackends> {
  if (config.redisUrl && !config.databaseUrl) {
    throw new BackendConfigError(
      'RELAIS_REDIS_URL sans RELAIS_DATABASE_URL : des nœuds en grappe doivent partager une base PostgreSQL. / RELAIS_REDIS_URL without RELAIS_DATABASE_URL: cluster nodes must share a PostgreSQL database.',
    );
  }
  if (config.databaseUrl && !env.RELAIS_MASTER_KEY) {
    throw new BackendConfigError(
      'RELAIS_DATABASE_URL demande RELAIS_MASTER_KEY, la même clé sur chaque nœud (les données y sont chiffrées avec elle). / RELAIS_DATABASE_URL needs RELAIS_MASTER_KEY, the same key on every node (the records are encrypted with it).',
    );
  }
  let pg: PgStore | null = null;
  const store: Store = config.databaseUrl ? (pg = await openPgStore(config.databaseUrl, loadMasterKey(config.dataDir, env), { max: PG_POOL_SIZE })) : openStore(config.dataDir, env);
  if (!config.redisUrl) {
    const cluster = localServices();
    const bus = new LocalDocBus();
    return {
      store,
      cluster,
      bus,
      close: async () => {
        await cluster.close();
        await store.close();
      },
    };
  }
  const link = new RedisLink(config.redisUrl, { logger, name: config.nodeId || hostname() });
  const cluster = redisServices(link, pg?.db ?? null, logger);
  const bus = new RedisDocBus(link.pub, link.sub);
  return {
    store,
    cluster,
    bus,
    close: async () => {
      await bus.close();
      await cluster.close();
      await link.close();
      await store.close();
    },
  };
}

/** openBackends for a process's start: a configuration it refuses is one line and exit code 2, as a bad setting is. */
export async function openBackendsOrExit(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'redisUrl' | 'nodeId'>, logger: Logger): Promise<NodeBackends> {
  try {
    return await openBackends(config, logger);
  } catch (error) {
    if (!(error instanceof BackendConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(2);
  }
}
