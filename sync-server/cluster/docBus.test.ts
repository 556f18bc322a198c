/** The document bus between nodes, over a real Redis (issue 16). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../scripts/cluster/engines.ts';
import { RedisDocBus, SeqTracker, type DocBusListener } from './docBus.ts';

let port: number;
let redis: ChildProcess;
const clients: Redis[] = [];

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
}

function connection(): Redis {
  const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 100, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
});

afterAll(() => {
  for (const c of clients) c.disconnect();
  redis.kill('SIGKILL');
});

function listener() {
  const seen = { updates: [] as [number, string][], awareness: [] as string[], replaced: 0, resyncs: 0 };
  const l: DocBusListener = {
    update: (seq, u) => void seen.updates.push([seq, Buffer.from(u).toString()]),
    awareness: (u) => void seen.awareness.push(Buffer.from(u).toString()),
    replaced: () => void seen.replaced++,
    resync: () => void seen.resyncs++,
  };
  return { l, seen };
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('RedisDocBus', () => {
  it('carries updates in order, awareness and replacements to the other node only', async () => {
    const a = new RedisDocBus(connection(), connection());
    const b = new RedisDocBus(connection(), connection());
    const onA = listener();
    const onB = listener();
    const other = listener();
    a.join('dossier/1', onA.l);
    b.join('dossier/1', onB.l);
    b.join('dossier/2', other.l);
    await until(() => a.connected && b.connected);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 1; i <= 50; i++) a.publishUpdate('dossier/1', i, Buffer.from(`u${i}`));
    a.publishAwareness('dossier/1', Buffer.from('here'));
    a.publishReplaced('dossier/1');
    await until(() => onB.seen.replaced === 1);
    expect(onB.seen.updates).toEqual(Array.from({ length: 50 }, (_, i) => [i + 1, `u${i + 1}`]));
    expect(onB.seen.awareness).toEqual(['here']);
    // Not echoed to its author, nor sent to another document's room.
    expect(onA.seen.updates).toEqual([]);
    expect(other.seen.updates).toEqual([]);
    b.leave('dossier/1', onB.l);
    await new Promise((r) => setTimeout(r, 100));
    a.publishUpdate('dossier/1', 51, Buffer.from('after'));
    await new Promise((r) => setTimeout(r, 200));
    expect(onB.seen.updates).toHaveLength(50);
    await a.close();
    await b.close();
  });

  it('asks every room to resync while Redis is down and once it is back', async () => {
    const a = new RedisDocBus(connection(), connection());
    const onA = listener();
    a.join('dossier/3', onA.l);
    await until(() => a.connected);
    redis.kill('SIGKILL');
    await until(() => !a.connected);
    // Resyncs from the store every 2 s while down.
    await until(() => onA.seen.resyncs >= 1, 5000);
    const before = onA.seen.resyncs;
    await startRedis();
    await until(() => a.connected, 10_000);
    await until(() => onA.seen.resyncs > before, 3000);
    // Subscribed again: a message published now arrives.
    const b = new RedisDocBus(connection(), connection());
    await until(() => b.connected);
    const fresh = listener();
    a.join('dossier/3', fresh.l);
    await new Promise((r) => setTimeout(r, 100));
    b.publishUpdate('dossier/3', 9, Buffer.from('back'));
    await until(() => fresh.seen.updates.length === 1);
    await a.close();
    await b.close();
  }, 30_000);
});

describe('SeqTracker', () => {
  it('closes gaps that fill in time, and asks the store for one that does not', () => {
    vi.useFakeTimers();
    try {
      let gaps = 0;
      const t = new SeqTracker(3, () => void gaps++);
      t.saw(5);
      t.saw(4);
      expect(t.contiguous).toBe(5);
      vi.advanceTimersByTime(500);
      expect(gaps).toBe(0);
      t.saw(8);
      vi.advanceTimersByTime(500);
      expect(gaps).toBe(1);
      t.caughtUp(8);
      expect(t.contiguous).toBe(8);
      t.saw(3);
      expect(t.highest).toBe(8);
    } finally {
      vi.useRealTimers();
    }
  });
});
