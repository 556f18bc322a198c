/**
 * Issue 16, what crosses nodes besides documents, on a real Redis and a real PostgreSQL: each
 * "node" here is its own Redis connection (and pool), as separate processes would have. Login
 * brakes per address hold across nodes, a ticket one node issued is known to the others, a
 * logout on one node closes the socket open on another, a periodic job runs on one node at a
 * time, and Redis restarting under a login guard brings neither a crash nor an open door.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dossierDocName } from '../../schema/dossier.ts';
import { freePort, postgresBin, startPostgres, type Engine } from '../../scripts/cluster/engines.ts';
import { ADDRESS_FAILURE_LIMIT, LoginGuard } from '../auth/loginGuard.ts';
import { issuePeerTicket } from '../auth/peerTicket.ts';
import { openStore, type Store } from '../store/index.ts';
import { messageLockKey, runExclusive } from '../store/pg/jobs.ts';
import { Messenger } from '../messaging/Messenger.ts';
import { Outbox } from '../messaging/outbox.ts';
import { HttpSmsGateway } from '../messaging/smsGateway.ts';
import type { MessageRecord } from '../messaging/types.ts';
import { startSmsSink } from '../testing/messageSinks.ts';
import { startServer, type RelaisServer } from '../server.ts';
import { CloseCode } from '../sync/closeCodes.ts';
import { login, sessionHeaders, startRelais, tempDataDir, testConfig, testLogger, waitFor, type Running } from '../testing/harness.ts';
import { RedisAddressFailures } from './addressFailures.ts';
import { RedisEvents, type AccessChange } from './events.ts';
import { redisServices, type ClusterServices } from './index.ts';
import { RedisIssuedTickets } from './issuedTickets.ts';
import { RedisPendingFlows } from './pscFlows.ts';
import { RedisLink, describeRedisUrl } from './redis.ts';
import { sharedSecret } from '../auth/secrets.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

interface RedisEngine {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** A throw-away redis-server on loopback, nothing written to disk. */
async function startRedis(): Promise<RedisEngine> {
  const port = await freePort();
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`redis-server stopped at start: ${output}`);
        return output.includes('Ready to accept connections');
      },
      10_000,
      'redis-server ready',
    );
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// The describes below skip where Debian's redis-server or postgresql is missing (a developer's
// machine); .ci/run installs both, so CI runs them all.
const haveRedis = existsSync(REDIS_SERVER);
const havePostgres = postgresBin() !== null;

let redis: RedisEngine;
const links: RedisLink[] = [];
const stores: Store[] = [];
const link = (name: string): RedisLink => {
  const made = new RedisLink(redis.url, { logger: testLogger, name, commandTimeoutMs: 500 });
  links.push(made);
  return made;
};
const ready = (l: RedisLink): Promise<void> => waitFor(() => l.ready, 10_000, 'redis link ready');

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  for (const l of links) await l.close();
  for (const s of stores) await s.close();
  await redis?.kill();
});

describe('issue 16: settings of a cluster node', () => {
  it('the Redis URL is logged without its user or password', () => {
    const logged = describeRedisUrl('redis://relais:s3cr3t-pa55@redis.internal:6380/2');
    expect(logged).toBe('redis://redis.internal:6380/2');
    expect(describeRedisUrl('rediss://:only-a-password@10.0.0.5')).toBe('rediss://10.0.0.5');
  });

  it('two nodes with their own data dirs derive the same invitation and ticket keys from the master key', () => {
    const env = { RELAIS_MASTER_KEY: 'ab'.repeat(32), RELAIS_REDIS_URL: 'redis://127.0.0.1:6379' };
    const [dirA, dirB] = [tempDataDir(), tempDataDir()];
    for (const name of ['invitation', 'peer-ticket']) {
      expect(sharedSecret({ dataDir: dirA }, name, env).equals(sharedSecret({ dataDir: dirB }, name, env))).toBe(true);
    }
    expect(sharedSecret({ dataDir: dirA }, 'invitation', env).equals(sharedSecret({ dataDir: dirA }, 'peer-ticket', env))).toBe(false);
    // One node: a file of its own, as before.
    expect(sharedSecret({ dataDir: dirA }, 'invitation', {}).equals(sharedSecret({ dataDir: dirB }, 'invitation', {}))).toBe(false);
    // A cluster node without the master key refuses to start.
    expect(() => sharedSecret({ dataDir: dirA, databaseUrl: 'postgres://x' }, 'invitation', {})).toThrow('RELAIS_MASTER_KEY');
  });
});

// Skipped where Debian's redis-server is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!haveRedis)('issue 16: login brakes across nodes (Redis)', () => {
  it('20 failures from one address on two nodes: the 21st is refused on either', async () => {
    const [a, b] = [link('a'), link('b')];
    await Promise.all([ready(a), ready(b)]);
    const storeA = openStore(tempDataDir());
    const storeB = openStore(tempDataDir());
    stores.push(storeA, storeB);
    const nodeA = new LoginGuard(storeA.authState, new RedisAddressFailures(a));
    const nodeB = new LoginGuard(storeB.authState, new RedisAddressFailures(b));
    const address = '203.0.113.7';
    for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) {
      const guard = i % 2 === 0 ? nodeA : nodeB;
      expect(await guard.check(address, null)).toEqual({ ok: true });
      await guard.fail(address, null);
    }
    // Each node saw 10 failures only: the limit holds because the count is shared.
    for (const guard of [nodeA, nodeB]) {
      const verdict = await guard.check(address, null);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) {
        expect(verdict.reason).toBe('rate_limited');
        expect(verdict.retryAfterSeconds).toBeGreaterThan(14 * 60);
        expect(verdict.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
      }
    }
    // The address itself is not stored in clear in Redis.
    const keys = await a.pub.keys('relais:login-failures:*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('203.0.113');
    // Another address is not concerned; and the window passes.
    expect(await nodeB.check('203.0.113.8', null)).toEqual({ ok: true });
    expect(await nodeA.check(address, null, Date.now() + 15 * 60_000 + 1000)).toEqual({ ok: true });
  });

  it('Redis restarted while a guard is used: no crash, each node counts alone meanwhile, shared again after', async () => {
    const [a, b] = [link('a2'), link('b2')];
    await Promise.all([ready(a), ready(b)]);
    const storeA = openStore(tempDataDir());
    const storeB = openStore(tempDataDir());
    stores.push(storeA, storeB);
    const told: boolean[] = [];
    let reconnects = 0;
    a.onReconnect(() => reconnects++);
    const nodeA = new LoginGuard(storeA.authState, new RedisAddressFailures(a, (shared) => told.push(shared)));
    const nodeB = new LoginGuard(storeB.authState, new RedisAddressFailures(b));
    const address = '198.51.100.20';
    await nodeA.fail(address, null);
    // A link whose commands wait for Redis (a publish does): two may wait, no more.
    const bounded = new RedisLink(redis.url, { logger: testLogger, name: 'bounded', maxOfflineQueue: 2, commandTimeoutMs: 60_000 });
    links.push(bounded);
    await ready(bounded);

    await redis.kill();
    await waitFor(() => !a.ready && !b.ready && !bounded.ready, 10_000, 'links see Redis gone');
    const waiting = [bounded.command((r) => r.incr('waited')), bounded.command((r) => r.incr('waited'))];
    await expect(bounded.command((r) => r.incr('waited'))).rejects.toThrow('offline queue full');
    // Logins go on (not refused for the outage), and node A still brakes this address on its own.
    const started = Date.now();
    for (let i = 1; i < ADDRESS_FAILURE_LIMIT; i++) {
      expect((await nodeA.check(address, null)).ok).toBe(true);
      await nodeA.fail(address, null);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await nodeA.check(address, null)).ok).toBe(false);
    // Node B never saw these failures: during the outage, at most 20 per node.
    expect((await nodeB.check(address, null)).ok).toBe(true);
    expect(told).toEqual([false]);

    await redis.start();
    await Promise.all([ready(a), ready(b)]);
    // The subscriber's return is announced once (the document fan-out catches up then).
    await waitFor(() => reconnects === 1, 10_000, 'reconnection announced');
    // What waited went once Redis was back, in order.
    expect(await Promise.all(waiting)).toEqual([1, 2]);
    // Redis came back empty (nothing saved): node A keeps its own count, so the address stays braked there.
    expect((await nodeA.check(address, null)).ok).toBe(false);
    expect(told).toEqual([false, true]);
    // Counting is shared again: 20 failures on node B are refused on node A's twin C too.
    const c = link('c2');
    await ready(c);
    const storeC = openStore(tempDataDir());
    stores.push(storeC);
    const nodeC = new LoginGuard(storeC.authState, new RedisAddressFailures(c));
    const other = '198.51.100.21';
    for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) await nodeB.fail(other, null);
    expect((await nodeC.check(other, null)).ok).toBe(false);
  });
});

// Skipped where Debian's redis-server is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!haveRedis)('issue 16: issued peer tickets across nodes (Redis)', () => {
  it('a ticket issued through one node is found through another, for its consultation only, and expires', async () => {
    const [a, b] = [link('ta'), link('tb')];
    await Promise.all([ready(a), ready(b)]);
    const issuing = new RedisIssuedTickets(a);
    const other = new RedisIssuedTickets(b);
    const { ticket } = issuePeerTicket(Buffer.alloc(32, 7), { consultationId: 'c-1', participant: { kind: 'guest', id: 'inv-1' } });
    await issuing.record(ticket, 'Mme Jeanne Durand');
    expect(await other.lookup(ticket.peerId, 'c-1')).toEqual({
      consultationId: 'c-1',
      participantId: 'inv-1',
      name: 'Mme Jeanne Durand',
      kind: 'guest',
      expiresAt: ticket.expiresAt,
    });
    expect(await other.lookup(ticket.peerId, 'c-2')).toBeNull();
    expect(await other.lookup('p00000000000000000000000000000000', 'c-1')).toBeNull();
    // Kept an hour past the ticket's end, then gone from Redis.
    const ttl = await a.pub.pttl(`relais:peer-ticket:${ticket.peerId}`);
    expect(Math.abs(ttl - (ticket.expiresAt + 60 * 60_000 - Date.now()))).toBeLessThan(5_000);
  });
});

// Skipped where Debian's redis-server is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!haveRedis)('issue 16: a Pro Santé Connect login started on one node ends on another (Redis)', () => {
  it('the flow kept by the starting node is taken once by the node the provider sends the browser to', async () => {
    const [a, b] = [link('fa'), link('fb')];
    await Promise.all([ready(a), ready(b)]);
    const start = new RedisPendingFlows(a);
    const callback = new RedisPendingFlows(b);
    const flow = { verifier: 'v'.repeat(43), nonce: 'n-1', redirectUri: 'https://relais.example.fr/api/auth/psc/callback', expiresAt: Date.now() + 10 * 60_000 };
    expect(await start.put('state-1', flow)).toBe(true);
    expect(await callback.take('state-1')).toEqual(flow);
    // Good once, on any node.
    expect(await callback.take('state-1')).toBeNull();
    expect(await start.take('state-1')).toBeNull();
    // Expired: refused even when still stored.
    await start.put('state-2', { ...flow, expiresAt: Date.now() + 1_000 });
    expect(await callback.take('state-2', Date.now() + 2_000)).toBeNull();
  });
});

// Skipped where Debian's redis-server is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!haveRedis)('issue 16: rights changes reach every node (Redis)', () => {
  it('a change published by one node is applied once there and once on the other', async () => {
    const [a, b] = [link('ea'), link('eb')];
    await Promise.all([ready(a), ready(b)]);
    const onA = new RedisEvents(a);
    const onB = new RedisEvents(b);
    await Promise.all([onA.subscribed, onB.subscribed]);
    const seenA: AccessChange[] = [];
    const seenB: AccessChange[] = [];
    onA.onAccessChanged((change) => seenA.push(change));
    onB.onAccessChanged((change) => seenB.push(change));
    const change: AccessChange = { kind: 'signedOut', userId: 'u-42' };
    onA.publish(change);
    // Applied on the publishing node in the caller's turn, as on a single node.
    expect(seenA).toEqual([change]);
    await waitFor(() => seenB.length > 0, 5_000, 'the other node applies it');
    await new Promise((r) => setTimeout(r, 300));
    expect(seenB).toEqual([change]);
    expect(seenA).toEqual([change]);
    await onA.close();
    await onB.close();
  });

  describe('through two real servers', () => {
    let nodeA: Running;
    let nodeB: RelaisServer;
    const services: ClusterServices[] = [];
    beforeAll(async () => {
      const [a, b] = [link('sa'), link('sb')];
      await Promise.all([ready(a), ready(b)]);
      services.push(redisServices(a, null, testLogger), redisServices(b, null, testLogger));
      await Promise.all(services.map((s) => (s.events as RedisEvents).subscribed));
      nodeA = await startRelais({ cluster: services[0] });
      // Node B: another server on the same records (PostgreSQL in a real cluster), its own sockets.
      nodeB = await startServer(testConfig(nodeA.dataDir), nodeA.store, { logger: testLogger, cluster: services[1] });
    });
    afterAll(async () => {
      await nodeB?.close();
      await nodeA?.stop();
      for (const s of services) await s.close();
    });

    it('logging out on node A closes the socket that station had open on node B', async () => {
      const office = await login(nodeA.http, 'dr.demo');
      const ward = await login(nodeA.http, 'dr.demo');
      const url = `ws://127.0.0.1:${nodeB.port}/sync/${dossierDocName(nodeA.demo.consultations[0]!.id)}`;
      const open = async (token: string) => {
        const socket = new WebSocket(url, { headers: sessionHeaders(token) });
        let code: number | null = null;
        socket.once('close', (c) => (code = c));
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        return { socket, closed: () => code };
      };
      const atOffice = await open(office);
      const atWard = await open(ward);
      const res = await fetch(`${nodeA.http}/api/session`, { method: 'DELETE', headers: sessionHeaders(office) });
      expect(res.status).toBe(204);
      await waitFor(() => atOffice.closed() !== null, 3_000, 'the logged-out station’s socket on node B closed');
      expect(atOffice.closed()).toBe(CloseCode.Unauthorized);
      await new Promise((r) => setTimeout(r, 200));
      expect(atWard.socket.readyState).toBe(WebSocket.OPEN);
      atWard.socket.terminate();
    });
  });
});

// Skipped where Debian's postgresql is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!havePostgres)('issue 16: periodic jobs run on one node at a time (PostgreSQL)', () => {
  let postgres: Engine;
  const pools: pg.Pool[] = [];
  /**
   * A pool as a node holds it. pool.end() resolves before its connections have closed: a client
   * still closing when PostgreSQL stops would get its «terminating connection» with no listener.
   */
  const newPool = (quietClients = true): pg.Pool => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 3 });
    pool.on('error', () => undefined);
    if (quietClients) pool.on('connect', (client) => client.on('error', () => undefined));
    pools.push(pool);
    return pool;
  };
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await postgres?.stop();
  });

  it('two nodes start the same job at once: it runs once; the next round runs again', async () => {
    const nodes = [0, 1].map(() => ({ pool: newPool() }));
    let runs = 0;
    const job = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      return 'purged';
    };
    const outcomes = await Promise.all(nodes.map((node) => runExclusive(node, 4242, job)));
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.ran)).toEqual([{ ran: true, result: 'purged' }]);
    expect(outcomes.filter((o) => !o.ran)).toHaveLength(1);
    // The lock was let go: the next round runs, on either node.
    expect(await runExclusive(nodes[1]!, 4242, job)).toEqual({ ran: true, result: 'purged' });
    expect(runs).toBe(2);
    // A job that fails lets the lock go too.
    await expect(runExclusive(nodes[0]!, 4242, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await runExclusive(nodes[1]!, 4242, job)).ran).toBe(true);
  });

  it('a node that dies mid-job drops the lock with its connection: another node takes the next round', async () => {
    // Its clients without a listener of their own: runExclusive must keep the cut from ending the process.
    const pool = newPool(false);
    const other = newPool();
    let release!: () => void;
    const stuck = runExclusive({ pool }, 4343, async () => {
      await new Promise<void>((r) => (release = r));
      return 'late';
    }).catch((error: unknown) => error);
    await waitFor(() => release !== undefined, 5_000, 'job started');
    expect((await runExclusive({ pool: other }, 4343, () => Promise.resolve('x'))).ran).toBe(false);
    // The holder's connection is cut, as when its process is killed.
    await other.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND pid <> pg_backend_pid()");
    await expect.poll(async () => (await runExclusive({ pool: other }, 4343, () => Promise.resolve('taken over'))).ran, { timeout: 5_000 }).toBe(true);
    release();
    await stuck;
  });

  it('a node resuming pending messages while another tries one: the SMS goes once', async () => {
    const sink = await startSmsSink({ delayMs: 600 });
    const dataDir = tempDataDir();
    // One message store for both nodes, as PostgreSQL is in a cluster.
    const store = openStore(dataDir);
    stores.push(store);
    const node = (): Messenger => {
      const db = { pool: newPool() };
      return new Messenger(store.messages, {
        email: new Outbox(`${dataDir}/outbox`, 'relais@example.test'),
        sms: new HttpSmsGateway(sink.url, null),
        exclusive: (id: string, attempt: () => Promise<MessageRecord>) =>
          runExclusive(db, messageLockKey(id), attempt).then((outcome) => (outcome.ran ? outcome.result : null)),
      });
    };
    const [a, b] = [node(), node()];
    try {
      const sending = a.sendSms({ to: '+33600000001', text: 'Votre rendez-vous est confirmé.', purpose: 'test' });
      await waitFor(() => sink.messages.length === 1, 5_000, 'node A reaches the gateway');
      // Node B (re)starts while A waits for the gateway's answer: it plans the pending message at once.
      await b.resume();
      const record = await sending;
      expect(record.status).toBe('sent');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(sink.messages).toHaveLength(1);
      expect((await b.record(record.id))?.status).toBe('sent');
    } finally {
      a.close();
      b.close();
      await sink.close();
    }
  });
});
