/**
 * A weak line in user space, for the weak-line bench (docs/CALLS.md).
 *
 * The issue asked for netem (300 kbit/s, 150 ms, 3 % loss). This machine's kernel (a Firecracker
 * guest) has no sch_netem, so the same impairments are applied here, to UDP, by a relay that sits
 * between one browser and the TURN server: the browser's TURN URL points at this emulator's port,
 * every datagram it sends goes on to coturn, and every answer comes back through it. With
 * `iceTransportPolicy: 'relay'` all of that browser's media crosses it.
 *
 * Each direction (up: browser → TURN, down: TURN → browser) is its own link, as netem on both ends
 * of a veth pair would be:
 * 1. random loss (seeded PRNG, so two runs drop the same packets), applied on entry as netem does;
 * 2. a serialiser at `rateBps` (each packet occupies the line for its size, IP + UDP headers
 *    included) behind a drop-tail queue of `queueBytes`: a packet that finds the queue full is
 *    dropped, as on a router's buffer;
 * 3. a fixed one-way delay after the serialiser.
 * So the round trip gains twice `delayMs` plus the queueing.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { prng } from '../../sync-server/testing/prng.ts';

export interface LinkProfile {
  /** Bits per second; Infinity: no limit. */
  rateBps: number;
  /** One-way delay added after the serialiser, ms. */
  delayMs: number;
  /** Probability that a packet is lost, 0..1. */
  loss: number;
  /** Drop-tail bound of the queue in front of the serialiser, bytes. */
  queueBytes: number;
}

/** IPv4 (20) + UDP (8) headers: what the datagram costs on the line beyond its payload. */
export const HEADER_BYTES = 28;

export const UNLIMITED: LinkProfile = { rateBps: Infinity, delayMs: 0, loss: 0, queueBytes: Infinity };

/** The weak line: 300 kbit/s, 150 ms one way, 3 % loss; a queue of 500 ms at that rate. */
export function weakLine(rateBps = 300_000, delayMs = 150, loss = 0.03, queueMs = 500): LinkProfile {
  return { rateBps, delayMs, loss, queueBytes: Math.round((rateBps / 8) * (queueMs / 1000)) };
}


export interface DirectionStats {
  packets: number;
  bytes: number;
  /** Lost at random. */
  lost: number;
  /** Dropped because the queue was full. */
  dropped: number;
  delivered: number;
}

/** One direction of the line: decides when a packet arrives at the far end, or that it does not. */
export class LinkDirection {
  private busyUntil = 0;
  readonly stats: DirectionStats = { packets: 0, bytes: 0, lost: 0, dropped: 0, delivered: 0 };

  constructor(
    private readonly profile: LinkProfile,
    private readonly random: () => number,
  ) {}

  /** A packet of `payloadBytes` offered at `now` (ms): when it arrives, or null when it is lost. */
  admit(now: number, payloadBytes: number): number | null {
    this.stats.packets++;
    this.stats.bytes += payloadBytes;
    if (this.profile.loss > 0 && this.random() < this.profile.loss) {
      this.stats.lost++;
      return null;
    }
    const size = payloadBytes + HEADER_BYTES;
    let leaves = now;
    if (Number.isFinite(this.profile.rateBps)) {
      const start = Math.max(now, this.busyUntil);
      // Bytes still waiting for the line when this one comes.
      const queued = ((start - now) * this.profile.rateBps) / 8 / 1000;
      if (queued + size > this.profile.queueBytes) {
        this.stats.dropped++;
        return null;
      }
      this.busyUntil = start + (size * 8 * 1000) / this.profile.rateBps;
      leaves = this.busyUntil;
    }
    this.stats.delivered++;
    return leaves + this.profile.delayMs;
  }
}

/** Delivers callbacks at given times, in order (times handed in never decrease per queue). */
class DelayLine {
  private readonly items: { at: number; send: () => void }[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  push(at: number, send: () => void): void {
    this.items.push({ at, send });
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const next = this.items[this.head];
    if (!next) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, next.at - performance.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.items.length && this.items[this.head]!.at <= now + 0.5) this.items[this.head++]!.send();
    if (this.head > 1024) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items.length = 0;
    this.head = 0;
  }
}

export interface LinkEmulator {
  /** Where the browser sends its TURN traffic (127.0.0.1). */
  port: number;
  stats(): { up: DirectionStats; down: DirectionStats };
  /** Changes the line's profile from now on (e.g. a line that recovers). */
  setProfile(up: LinkProfile, down: LinkProfile): void;
  stop(): Promise<void>;
}

export interface LinkEmulatorOptions {
  /** The TURN server's UDP port on 127.0.0.1. */
  targetPort: number;
  targetHost?: string;
  up: LinkProfile;
  down: LinkProfile;
  seed?: number;
}

export async function startLinkEmulator(options: LinkEmulatorOptions): Promise<LinkEmulator> {
  const host = options.targetHost ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  let up = new LinkDirection(options.up, prng(seed));
  let down = new LinkDirection(options.down, prng(seed + 1));
  const totals = { up: [] as DirectionStats[], down: [] as DirectionStats[] };
  const upLine = new DelayLine();
  const downLine = new DelayLine();
  const front = createSocket('udp4');
  // One socket towards the TURN server per browser socket, as a NAT would map them.
  const mappings = new Map<string, Socket>();

  front.on('message', (msg: Buffer, from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`;
    let back = mappings.get(key);
    if (!back) {
      const socket = createSocket('udp4');
      socket.on('message', (reply: Buffer) => {
        const at = down.admit(performance.now(), reply.length);
        if (at !== null) downLine.push(at, () => front.send(reply, from.port, from.address));
      });
      socket.on('error', () => undefined);
      socket.bind(0, '127.0.0.1');
      mappings.set(key, socket);
      back = socket;
    }
    const socket = back;
    const at = up.admit(performance.now(), msg.length);
    if (at !== null) upLine.push(at, () => socket.send(msg, options.targetPort, host));
  });
  front.on('error', () => undefined);
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', () => resolve()));

  const sum = (parts: DirectionStats[]): DirectionStats =>
    parts.reduce((a, b) => ({ packets: a.packets + b.packets, bytes: a.bytes + b.bytes, lost: a.lost + b.lost, dropped: a.dropped + b.dropped, delivered: a.delivered + b.delivered }));
  return {
    port: front.address().port,
    stats: () => ({ up: sum([...totals.up, up.stats]), down: sum([...totals.down, down.stats]) }),
    setProfile(nextUp, nextDown) {
      totals.up.push(up.stats);
      totals.down.push(down.stats);
      up = new LinkDirection(nextUp, prng(seed + 2 * totals.up.length));
      down = new LinkDirection(nextDown, prng(seed + 2 * totals.down.length + 1));
    },
    async stop() {
      upLine.stop();
      downLine.stop();
      for (const socket of mappings.values()) socket.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
