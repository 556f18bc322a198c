/**
 * The only place the sync layer meets uWebSockets.js: a SyncSocket over a uWS WebSocket, the
 * FanOut over the app's native pub/sub, and the check that the native binding (not the slow JS
 * fallback) loaded.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { FanOut, SyncSocket } from './socket.ts';
import { MessageType } from './protocol.ts';
import { syncCounts } from '../metrics.ts';

export class UwsSyncSocket<T> implements SyncSocket {
  isOpen = true;

  constructor(private readonly ws: WebSocket<T>) {}

  send(data: Uint8Array): void {
    if (this.isOpen) this.ws.send(data, true);
  }

  subscribe(topic: string): void {
    if (this.isOpen) this.ws.subscribe(topic);
  }

  /** Bytes queued for this socket and not yet taken by the network. */
  get bufferedAmount(): number {
    return this.isOpen ? this.ws.getBufferedAmount() : 0;
  }

  publish(topic: string, data: Uint8Array): void {
    if (!this.isOpen) return;
    if (data[0] === MessageType.Sync) syncCounts.updatesFannedOut++;
    this.ws.publish(topic, data, true);
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.ws.end(code, reason);
  }

  /** Called from the uWS close handler: the socket is gone, any further use would throw. */
  markClosed(): void {
    this.isOpen = false;
  }
}

export function uwsFanOut(app: TemplatedApp): FanOut {
  return {
    publish: (topic, data) => {
      // Awareness goes through here too; only document updates are counted.
      if (data[0] === MessageType.Sync) syncCounts.updatesFannedOut++;
      app.publish(topic, data, true);
    },
  };
}

/** True when uWS loaded its native binary for this Node (on another ABI it falls back silently). */
export function uwsNativeLoaded(): boolean {
  if (process.env.UWS_USE_FALLBACK) return false;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('uWebSockets.js');
  const binary = join(dirname(entry), '..', 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  return existsSync(binary);
}
