/**
 * Two nodes on one PostgreSQL and one Redis, in this process (issue 16): what a client types on
 * one node reaches a client on the other, awareness too, a server edit made on either node reaches
 * both, and with Redis killed the nodes still converge (through the store) and go on once it is
 * back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { startPostgres, startRedis, type Engine } from '../../scripts/cluster/engines.ts';
import { openBackends, type NodeBackends } from './node.ts';
import { startServer, type RelaisServer } from '../server.ts';
import { seedDemo, type DemoData } from '../../scripts/demo.ts';
import { login, synced, tempDataDir, testConfig, testLogger, waitFor, yClient, type YClient } from '../testing/harness.ts';
import { ficheField } from '../testing/ficheField.ts';
import { dossierDocName } from '../../schema/dossier.ts';

interface TestNode {
  backends: NodeBackends;
  server: RelaisServer;
  http: string;
  ws: string;
  dataDir: string;
}

let postgres: Engine;
let redis: Engine;
const env = { RELAIS_MASTER_KEY: randomBytes(32).toString('hex') };
let demo: DemoData;
const nodes: TestNode[] = [];
const clients: YClient[] = [];

async function startNode(name: string): Promise<TestNode> {
  const dataDir = tempDataDir();
  const config = testConfig(dataDir, { databaseUrl: postgres.url, redisUrl: redis.url, nodeId: name });
  const backends = await openBackends(config, testLogger, env);
  const server = await startServer(config, backends.store, { logger: testLogger, cluster: backends.cluster, bus: backends.bus });
  return { backends, server, http: `http://127.0.0.1:${server.port}`, ws: `ws://127.0.0.1:${server.port}`, dataDir };
}

beforeAll(async () => {
  // The cluster's shared secrets are derived from it (auth/secrets.ts sharedSecret reads the environment).
  process.env.RELAIS_MASTER_KEY = env.RELAIS_MASTER_KEY;
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const seeding = await openBackends({ dataDir: tempDataDir(), databaseUrl: postgres.url, redisUrl: null, nodeId: 'seed' }, testLogger, env);
  demo = await seedDemo(seeding.store);
  await seeding.close();
  nodes.push(await startNode('a'), await startNode('b'));
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const node of nodes) {
    await node.server.close();
    await node.backends.close();
    rmSync(node.dataDir, { recursive: true, force: true });
  }
  await redis?.stop();
  await postgres?.stop();
  delete process.env.RELAIS_MASTER_KEY;
}, 30_000);

function client(node: TestNode, docName: string, token: string): YClient {
  const c = yClient(node.ws, docName, token);
  clients.push(c);
  return c;
}

const text = (c: YClient): string => ficheField(c.doc).toString();

describe('two nodes, one PostgreSQL, one Redis', () => {
  it('carries edits and awareness between clients on different nodes', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const docName = dossierDocName(demo.consultations[0]!.id);
    const onA = client(a, docName, await login(a.http, 'dr.demo'));
    const onB = client(b, docName, await login(b.http, 'ide.demo'));
    await waitFor(() => synced(onA) && synced(onB), 10_000, 'both synced');
    ficheField(onA.doc).insert(0, 'vu sur A ');
    await waitFor(() => text(onB).includes('vu sur A'), 5_000, 'A → B');
    ficheField(onB.doc).insert(text(onB).length, 'et sur B');
    await waitFor(() => text(onA).includes('et sur B'), 5_000, 'B → A');
    expect(text(onA)).toBe(text(onB));
    onA.provider.awareness.setLocalStateField('user', { name: 'A' });
    await waitFor(() => [...onB.provider.awareness.getStates().values()].some((s) => (s.user as { name?: string } | undefined)?.name === 'A'), 5_000, 'awareness A → B');
  });

  it('sends a server edit made on one node to the clients of the other', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const docName = dossierDocName(demo.consultations[0]!.id);
    const onB = client(b, docName, await login(b.http, 'dr.demo'));
    await waitFor(() => synced(onB), 10_000, 'synced');
    // Node A edits the document (as a signature or a new document entry would), with no socket on it.
    await a.server.registry.transact(docName, (doc) => doc.getMap('test-server').set('from', 'A'));
    await waitFor(() => onB.doc.getMap('test-server').get('from') === 'A', 5_000, 'server edit on A reaches B');
  });

  it('converges through the store while Redis is down, and over Redis again once it is back', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const docName = dossierDocName(demo.consultations[1]!.id);
    const onA = client(a, docName, await login(a.http, 'dr.demo'));
    const onB = client(b, docName, await login(b.http, 'ide.demo'));
    await waitFor(() => synced(onA) && synced(onB), 10_000, 'both synced');
    await redis.kill();
    ficheField(onA.doc).insert(0, 'pendant la panne ');
    ficheField(onB.doc).insert(0, 'de Redis ');
    // Every 2 s each room reads what it lacks from PostgreSQL.
    await waitFor(() => text(onA) === text(onB) && text(onA).includes('pendant la panne') && text(onA).includes('de Redis'), 10_000, 'converged with Redis down');
    await redis.start();
    await waitFor(() => a.backends.bus.connected && b.backends.bus.connected, 15_000, 'both back on Redis');
    ficheField(onA.doc).insert(0, 'après ');
    await waitFor(() => text(onB).startsWith('après'), 5_000, 'A → B over Redis again');
    // What both show is what is stored.
    const stored = new Y.Doc();
    for (const u of (await a.backends.store.docs.load(docName)).updates) Y.applyUpdate(stored, u);
    expect(ficheField(stored).toString()).toBe(text(onB));
  }, 40_000);
});
