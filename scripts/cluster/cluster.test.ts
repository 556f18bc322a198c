/**
 * `npm run cluster`'s parts, started as the fault tests start them (startCluster): real
 * PostgreSQL, Redis, two Relais nodes (`scripts/start.ts`) and HAProxy. What an operator or a test
 * relies on: the proxy serves from every node, a killed node is left without an error reaching
 * the client and comes back, Redis and PostgreSQL restart on their port with what they
 * acknowledged, and stop leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installed, postgresBin } from './engines.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { clusterFaults } from '../soak/clusterFaults.ts';
import { prng } from '../../sync-server/testing/prng.ts';

const available = installed('haproxy') && installed('redis-server') && postgresBin() !== null;
let cluster: Cluster;

beforeAll(async () => {
  if (!available) return;
  cluster = await startCluster({ nodes: 3, readyTimeoutMs: 90_000 });
}, 150_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

/** Which nodes answer GET /api/health/ready through the proxy over `n` requests, and the statuses. */
async function answers(n: number): Promise<{ nodes: Set<string>; statuses: Set<number> }> {
  const nodes = new Set<string>();
  const statuses = new Set<number>();
  for (let i = 0; i < n; i += 1) {
    const res = await fetch(`${cluster.url}/api/health/ready`);
    await res.body?.cancel();
    statuses.add(res.status);
    nodes.add(res.headers.get('x-relais-node') ?? '?');
  }
  return { nodes, statuses };
}

// Skipped where Debian's postgresql, redis-server or haproxy is missing (a developer's machine);
// .ci/run installs all three, so CI runs it.
describe.skipIf(!available)('a local cluster (startCluster)', () => {
  it('serves through HAProxy from every node, each started with its own ports and the shared settings', async () => {
    expect(await answers(6)).toEqual({ nodes: new Set(['node-1', 'node-2', 'node-3']), statuses: new Set([200]) });
    const [a, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    expect(a.env).toMatchObject({ NODE_ID: 'node-1', TRUST_PROXY: '1', PUBLIC_URL: cluster.url, RELAIS_DATABASE_URL: cluster.postgres.url, RELAIS_REDIS_URL: cluster.redis.url });
    expect(b.env.RELAIS_MASTER_KEY).toBe(a.env.RELAIS_MASTER_KEY);
    expect(b.port).not.toBe(a.port);
    expect(b.dataDir).not.toBe(a.dataDir);
  });

  it('a node killed: the proxy answers from the other without an error; restarted, it serves again', async () => {
    const node = cluster.nodes[0]!;
    await node.kill();
    expect(node.process).toBeNull();
    expect(await answers(6)).toEqual({ nodes: new Set(['node-2', 'node-3']), statuses: new Set([200]) });
    await node.start();
    const until = Date.now() + 5_000;
    while (!(await answers(2)).nodes.has('node-1')) {
      if (Date.now() > until) throw new Error('node-1 not back behind the proxy within 5 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  it('Redis killed and started again: same URL, what it acknowledged is still there (append-only file)', async () => {
    const client = new Redis(cluster.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set('relais:test', 'kept');
    client.disconnect();
    await cluster.redis.kill();
    await cluster.redis.start();
    const again = new Redis(cluster.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await again.connect();
    expect(await again.get('relais:test')).toBe('kept');
    again.disconnect();
  });

  it('PostgreSQL killed and started again: same URL, a committed row is still there', async () => {
    const before = new pg.Client({ connectionString: cluster.postgres.url });
    await before.connect();
    await before.query('CREATE TABLE IF NOT EXISTS launcher_probe (v text)');
    await before.query("INSERT INTO launcher_probe VALUES ('kept')");
    await before.end();
    await cluster.postgres.kill();
    await cluster.postgres.start();
    const after = new pg.Client({ connectionString: cluster.postgres.url });
    await after.connect();
    expect((await after.query<{ v: string }>('SELECT v FROM launcher_probe')).rows).toEqual([{ v: 'kept' }]);
    await after.end();
  });

  it('under faults (random nodes SIGKILLed, Redis killed) while clients type through the proxy and to each node: every word stored once', async () => {
    const figures = await clusterFaults(cluster, { cycles: 3, redisRestarts: 1, docs: 2, random: prng(16) });
    // Printed for the record: how much was typed through the faults.
    console.log(`cluster faults: ${figures.wordsTyped} words typed by ${figures.clients} clients, ${figures.wordsMissing} missing, ${figures.wordsExtra} extra, converged in ${figures.convergeMs} ms`);
    expect(figures.wordsTyped).toBeGreaterThan(100);
    expect({ missing: figures.wordsMissing, extra: figures.wordsExtra, diverged: figures.docsDiverged }).toEqual({ missing: 0, extra: 0, diverged: 0 });
  }, 240_000);

  it('stop: every process gone, every temp dir removed', async () => {
    const dirs = [cluster.nodes[0]!.dataDir, cluster.haproxy.configFile];
    const processes = [cluster.haproxy.process, cluster.redis.process, cluster.postgres.process, ...cluster.nodes.map((n) => n.process)];
    await cluster.stop();
    for (const child of processes) expect(child === null || child.exitCode !== null || child.signalCode !== null).toBe(true);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    expect((await fetch(cluster.url).catch(() => null))?.status ?? 'refused').toBe('refused');
  }, 30_000);
});
