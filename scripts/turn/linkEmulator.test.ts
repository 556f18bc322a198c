import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, LinkDirection, startLinkEmulator, UNLIMITED, weakLine } from './linkEmulator.ts';
import { prng } from '../../sync-server/testing/prng.ts';

describe('the weak-line emulator (netem stand-in)', () => {
  it('serialises at the rate, then adds the one-way delay', () => {
    const line = new LinkDirection({ rateBps: 300_000, delayMs: 150, loss: 0, queueBytes: 1_000_000 }, prng(1));
    const payload = 1000 - HEADER_BYTES;
    // 1000 bytes at 300 kbit/s occupy the line 26.7 ms.
    expect(line.admit(0, payload)).toBeCloseTo(26.667 + 150, 2);
    // A second one offered at the same time waits for the first.
    expect(line.admit(0, payload)).toBeCloseTo(2 * 26.667 + 150, 2);
    // One offered once the line is idle again leaves at once.
    expect(line.admit(1000, payload)).toBeCloseTo(1000 + 26.667 + 150, 2);
  });

  it('drops at the tail when the queue is full', () => {
    // A queue of 500 ms at 300 kbit/s: 18,750 bytes.
    const line = new LinkDirection(weakLine(300_000, 0, 0, 500), prng(1));
    const arrivals = Array.from({ length: 40 }, () => line.admit(0, 1000 - HEADER_BYTES));
    const kept = arrivals.filter((a) => a !== null).length;
    expect(kept).toBe(18);
    expect(arrivals.slice(18).every((a) => a === null)).toBe(true);
    expect(line.stats.dropped).toBe(22);
    // Once the queue drained, packets pass again.
    expect(line.admit(1000, 100)).not.toBeNull();
  });

  it('loses about the asked share of packets, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const line = new LinkDirection({ ...UNLIMITED, loss: 0.03 }, prng(seed));
      return Array.from({ length: 100_000 }, (_, i) => line.admit(i, 100) === null);
    };
    const a = run(7);
    expect(a.filter(Boolean).length / a.length).toBeGreaterThan(0.028);
    expect(a.filter(Boolean).length / a.length).toBeLessThan(0.032);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
  });

  it('forwards UDP both ways through the real sockets, each way delayed', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (msg, from) => echo.send(msg, from.port, from.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', () => resolve()));
    const profile = { ...UNLIMITED, delayMs: 40 };
    const emulator = await startLinkEmulator({ targetPort: echo.address().port, up: profile, down: profile });
    const client = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
      const sent = performance.now();
      const reply = new Promise<Buffer>((resolve) => client.once('message', resolve));
      client.send(Buffer.from('bonjour'), emulator.port, '127.0.0.1');
      expect((await reply).toString()).toBe('bonjour');
      // 40 ms there and 40 ms back, at least.
      expect(performance.now() - sent).toBeGreaterThanOrEqual(79);
      expect(emulator.stats().up.delivered).toBe(1);
      expect(emulator.stats().down.delivered).toBe(1);
    } finally {
      client.close();
      echo.close();
      await emulator.stop();
    }
  });
});
