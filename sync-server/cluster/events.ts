/**
 * Rights changes that close open sockets (http/context.ts `accessChanged`, SPEC §9): a user
 * removed from a consultation, signed out everywhere, or one session ended. Each node closes its
 * own sockets; in a cluster the change must reach every node, since the sockets concerned may be
 * open on any of them.
 *
 * One node: applied at once, in the caller's turn. A cluster: applied at once on the node where
 * the change happened (once), and published on Redis for the others, which apply it on receipt.
 * When Redis is away, publishes wait in the link's bounded queue and go when it is back; a node
 * whose subscription was lost calls `onMissed` on reconnection, so that it checks all its sockets
 * again (what it may have missed is in the store: sessions removed, rights changed).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '../http/context.ts';
import type { RedisLink } from './redis.ts';

export type AccessChange =
  | { kind: 'consultation'; consultationId: string }
  | { kind: 'signedOut'; userId: string }
  | { kind: 'sessionEnded'; sessionKey: string };

export interface ClusterEvents {
  /** Applies `change` to this node's sockets, once, and in a cluster to every other node's. */
  publish(change: AccessChange): void;
  /** What applies a change to this node's sockets (one handler; set before requests come). */
  onAccessChanged(handler: (change: AccessChange) => void): void;
  /** Called when changes from other nodes may have been missed (Redis subscription lost then back). */
  onMissed(handler: () => void): void;
  close(): Promise<void>;
}

/** Context['accessChanged'] over the events: what routes call. */
export function accessChangedVia(events: ClusterEvents): Context['accessChanged'] {
  return {
    consultation: (consultationId) => events.publish({ kind: 'consultation', consultationId }),
    signedOut: (userId) => events.publish({ kind: 'signedOut', userId }),
    sessionEnded: (sessionKey) => events.publish({ kind: 'sessionEnded', sessionKey }),
  };
}

/** A single node: nothing crosses. */
export class LocalEvents implements ClusterEvents {
  private handler: (change: AccessChange) => void = () => undefined;

  publish(change: AccessChange): void {
    this.handler(change);
  }

  onAccessChanged(handler: (change: AccessChange) => void): void {
    this.handler = handler;
  }

  onMissed(): void {
    // Nothing to miss on one node.
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const ACCESS_CHANNEL = 'relais:access-changed';

function parseChange(value: unknown): AccessChange | null {
  if (typeof value !== 'object' || value === null) return null;
  const change = value as Record<string, unknown>;
  if (change.kind === 'consultation' && typeof change.consultationId === 'string') return { kind: 'consultation', consultationId: change.consultationId };
  if (change.kind === 'signedOut' && typeof change.userId === 'string') return { kind: 'signedOut', userId: change.userId };
  if (change.kind === 'sessionEnded' && typeof change.sessionKey === 'string') return { kind: 'sessionEnded', sessionKey: change.sessionKey };
  return null;
}

export class RedisEvents implements ClusterEvents {
  /** Tells this node's own messages from the others' (each node applied its own already). */
  readonly nodeId = randomBytes(9).toString('base64url');
  private handler: (change: AccessChange) => void = () => undefined;
  private missed: () => void = () => undefined;
  private readonly unsubscribeReconnect: () => void;
  private readonly listener = (channel: string, message: string): void => {
    if (channel !== ACCESS_CHANNEL) return;
    let envelope: { from?: unknown; change?: unknown };
    try {
      envelope = JSON.parse(message) as { from?: unknown; change?: unknown };
    } catch {
      return;
    }
    if (envelope.from === this.nodeId) return;
    const change = parseChange(envelope.change);
    if (change) this.apply(change);
  };
  /** Resolves once the subscription is in place (tests wait for it; a node serves meanwhile). */
  readonly subscribed: Promise<void>;

  constructor(
    private readonly link: RedisLink,
    /** Failures, without the change's ids. */
    private readonly log: (message: string) => void = () => undefined,
  ) {
    link.sub.on('message', this.listener);
    // ioredis subscribes again by itself after a reconnection (autoResubscribe).
    this.subscribed = link.sub.subscribe(ACCESS_CHANNEL).then(
      () => undefined,
      (error: unknown) => this.log(`cluster events: subscribe failed (${error instanceof Error ? error.name : 'error'})`),
    );
    this.unsubscribeReconnect = link.onReconnect(() => this.missed());
  }

  publish(change: AccessChange): void {
    this.apply(change);
    this.link
      .command((redis) => redis.publish(ACCESS_CHANNEL, JSON.stringify({ from: this.nodeId, change })))
      .catch((error: unknown) =>
        // Other nodes catch up when their session sweep runs, or when they reconnect (onMissed).
        this.log(`cluster events: publish failed (${error instanceof Error ? error.name : 'error'})`),
      );
  }

  onAccessChanged(handler: (change: AccessChange) => void): void {
    this.handler = handler;
  }

  onMissed(handler: () => void): void {
    this.missed = handler;
  }

  async close(): Promise<void> {
    this.unsubscribeReconnect();
    this.link.sub.off('message', this.listener);
    await this.link.sub.unsubscribe(ACCESS_CHANNEL).catch(() => undefined);
  }

  private apply(change: AccessChange): void {
    try {
      this.handler(change);
    } catch (error) {
      this.log(`cluster events: applying a change failed (${error instanceof Error ? error.name : 'error'})`);
    }
  }
}
