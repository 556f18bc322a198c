/**
 * Pro Santé Connect logins waiting for the provider's answer (http/psc.ts): the PKCE verifier and
 * nonce of each, by its `state`, taken once by the callback. One node keeps them in memory; in a
 * cluster the callback may reach another node than the start, so they are in Redis
 * (cluster/pscFlows.ts).
 */

export interface PendingFlow {
  verifier: string;
  nonce: string;
  redirectUri: string;
  expiresAt: number;
}

export interface PendingFlows {
  /** Keeps a flow until its expiry; false when too many are waiting (a flood of starts). */
  put(state: string, flow: PendingFlow, now?: number): Promise<boolean>;
  /** The flow of `state`, removed: a callback is good once. Null when unknown or expired. */
  take(state: string, now?: number): Promise<PendingFlow | null>;
}

/** Flows waiting for the provider's answer; bounded so that a flood of starts cannot grow memory. */
export const MAX_PENDING_FLOWS = 10_000;

export class MemoryPendingFlows implements PendingFlows {
  private readonly pending = new Map<string, PendingFlow>();

  putSync(state: string, flow: PendingFlow, now = Date.now()): boolean {
    for (const [key, waiting] of this.pending) if (waiting.expiresAt < now) this.pending.delete(key);
    if (this.pending.size >= MAX_PENDING_FLOWS) return false;
    this.pending.set(state, flow);
    return true;
  }

  put(state: string, flow: PendingFlow, now = Date.now()): Promise<boolean> {
    return Promise.resolve(this.putSync(state, flow, now));
  }

  takeSync(state: string, now = Date.now()): PendingFlow | null {
    const flow = this.pending.get(state);
    this.pending.delete(state);
    return flow && flow.expiresAt >= now ? flow : null;
  }

  take(state: string, now = Date.now()): Promise<PendingFlow | null> {
    return Promise.resolve(this.takeSync(state, now));
  }
}

/** The process's flows on a single node. */
export const pendingPscFlows = new MemoryPendingFlows();
