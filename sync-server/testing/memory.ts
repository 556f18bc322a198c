/** In-memory SyncSocket and FanOut, for testing rooms without a network (a unit test's edge). */
import type { FanOut, SyncSocket } from '../sync/socket.ts';

export class MemoryHub implements FanOut {
  readonly topics = new Map<string, Set<MemorySocket>>();
  publish(topic: string, data: Uint8Array): void {
    for (const s of this.topics.get(topic) ?? []) s.received.push(data);
  }
}

export class MemorySocket implements SyncSocket {
  received: Uint8Array[] = [];
  isOpen = true;
  /** Set by a test to play a client that stopped reading. */
  bufferedAmount = 0;
  closed: { code: number; reason: string } | null = null;
  onClose: (() => void) | null = null;

  constructor(private readonly hub: MemoryHub) {}

  send(data: Uint8Array): void {
    if (this.isOpen) this.received.push(data);
  }
  subscribe(topic: string): void {
    let set = this.hub.topics.get(topic);
    if (!set) this.hub.topics.set(topic, (set = new Set()));
    set.add(this);
  }
  publish(topic: string, data: Uint8Array): void {
    for (const s of this.hub.topics.get(topic) ?? []) if (s !== this) s.received.push(data);
  }
  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closed = { code, reason };
    for (const set of this.hub.topics.values()) set.delete(this);
    this.onClose?.();
  }
}
