/**
 * What a room needs of a socket and of the fan-out engine. The uWS adapter implements these over
 * uWebSockets.js pub/sub; tests use the in-memory ones. Rooms never import uWS.
 */
export interface SyncSocket {
  send(data: Uint8Array): void;
  subscribe(topic: string): void;
  /** Sends to every subscriber of `topic` except this socket. */
  publish(topic: string, data: Uint8Array): void;
  close(code: number, reason: string): void;
  readonly isOpen: boolean;
  /** Bytes queued for this socket and not yet taken by the network. */
  readonly bufferedAmount: number;
}

export interface FanOut {
  /** Sends to every subscriber of `topic`. */
  publish(topic: string, data: Uint8Array): void;
}
