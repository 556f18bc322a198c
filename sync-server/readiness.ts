/**
 * Whether this server can do its work now (GET /api/health/ready; GET /api/health only says that
 * the process answers). Four checks, each with a plain reason when it fails:
 * - storage: a small write read back by the store (Store.probe), and no commit of the document
 *   log failed in the last minute without one succeeding since (a full disk fails the big writes
 *   first);
 * - keys: every key file the server loaded at start (`<data dir>/keys/*.key`) is still there,
 *   unchanged: without them the next start could not decrypt the store;
 * - messaging: the last delivery try of each channel (e-mail, SMS) did not fail, within the last
 *   15 minutes;
 * - peer: the PeerJS signalling server (peer-server/, started beside this one by `npm start`)
 *   answers on PEER_PORT.
 * `?scope=node` (HAProxy's check in a cluster) leaves messaging out of the verdict: the gateways
 * are shared by every node, so their failure would take them all out at once.
 * Results are kept one second, so that a probe hammered by a load balancer costs one check.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import type { Store } from './store/index.ts';
import type { Messenger } from './messaging/Messenger.ts';
import { readyCheck } from './metrics.ts';

export interface CheckResult {
  ok: boolean;
  /** Why not, in plain French, when not ok. */
  reason?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Every check of this node's own passes (all but messaging, which every node shares). */
  nodeReady: boolean;
  checks: { storage: CheckResult; keys: CheckResult; messaging: CheckResult & { email: string; sms: string }; peer: CheckResult };
  reasons: string[];
}

/** A failed commit counts for this long unless a later one succeeds. */
const STORAGE_FAILURE_MS = 60_000;
/** A failed delivery try counts for this long unless a later one succeeds. */
const DELIVERY_FAILURE_MS = 15 * 60_000;
const PEER_TIMEOUT_MS = 1_000;
const CACHE_MS = 1_000;

/** What LMDB's document log (store/docLog.ts) keeps of its last commits. */
interface CommitRecord {
  lastCommitAt: number;
  lastCommitFailureAt: number;
}

const recentFailure = (lastSuccessAt: number, lastFailureAt: number, windowMs: number, now: number): boolean =>
  lastFailureAt > lastSuccessAt && now - lastFailureAt < windowMs;

const fingerprint = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

export class Readiness {
  /** Key file name → sha-256 of its content when the server started. */
  private readonly keys = new Map<string, string>();
  private cached: { at: number; report: Promise<ReadinessReport> } | null = null;

  constructor(
    private readonly config: Pick<Config, 'dataDir' | 'host' | 'peerPort'>,
    private readonly store: Store,
    private readonly messenger: Messenger,
  ) {
    const dir = join(config.dataDir, 'keys');
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (name.endsWith('.key')) this.keys.set(name, fingerprint(join(dir, name)));
    }
  }

  check(now = Date.now()): Promise<ReadinessReport> {
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.report;
    const report = this.run(now);
    this.cached = { at: now, report };
    return report;
  }

  private async run(now: number): Promise<ReadinessReport> {
    const storage = await this.storage(now);
    const keys = this.keyFiles();
    const messaging = this.messaging(now);
    const peer = await this.peer();
    const checks = { storage, keys, messaging, peer };
    for (const [name, result] of Object.entries(checks)) readyCheck.set({ check: name }, result.ok ? 1 : 0);
    const reasons = Object.values(checks).flatMap((c) => (c.ok || !c.reason ? [] : [c.reason]));
    return { ready: reasons.length === 0, nodeReady: storage.ok && keys.ok && peer.ok, checks, reasons };
  }

  private async storage(now: number): Promise<CheckResult> {
    // The document log's own record of its commits, where the backend keeps one (LMDB's batches).
    const docs = this.store.docs as Partial<CommitRecord>;
    if (docs.lastCommitAt !== undefined && docs.lastCommitFailureAt !== undefined && recentFailure(docs.lastCommitAt, docs.lastCommitFailureAt, STORAGE_FAILURE_MS, now)) {
      return { ok: false, reason: 'stockage : l’enregistrement des documents échoue (disque plein ou en lecture seule ?)' };
    }
    try {
      await this.store.probe();
    } catch {
      return { ok: false, reason: `stockage : ${this.store.backend === 'lmdb' ? 'LMDB' : 'PostgreSQL'} refuse une écriture (disque plein ou en lecture seule ?)` };
    }
    return { ok: true };
  }

  private keyFiles(): CheckResult {
    const dir = join(this.config.dataDir, 'keys');
    const changed: string[] = [];
    for (const [name, print] of this.keys) {
      try {
        if (fingerprint(join(dir, name)) !== print) changed.push(name);
      } catch {
        changed.push(name);
      }
    }
    if (changed.length === 0) return { ok: true };
    return {
      ok: false,
      reason: `clés : ${changed.map((n) => `keys/${n}`).join(', ')} absente(s) ou modifiée(s) depuis le démarrage ; remettez la clé d’origine avant tout redémarrage (docs/ops/METRICS.md)`,
    };
  }

  private messaging(now: number): ReadinessReport['checks']['messaging'] {
    const { email, sms } = this.messenger.delivery;
    const failing = [
      recentFailure(email.lastSuccessAt, email.lastFailureAt, DELIVERY_FAILURE_MS, now) ? `e-mail (${email.transport})` : null,
      recentFailure(sms.lastSuccessAt, sms.lastFailureAt, DELIVERY_FAILURE_MS, now) ? `SMS (${sms.transport})` : null,
    ].filter((x): x is string => x !== null);
    const transports = { email: email.transport, sms: sms.transport };
    if (failing.length === 0) return { ok: true, ...transports };
    return { ok: false, reason: `messagerie : le dernier envoi a échoué : ${failing.join(', ')}`, ...transports };
  }

  private async peer(): Promise<CheckResult> {
    const host = this.config.host === '0.0.0.0' ? '127.0.0.1' : this.config.host === '::' ? '::1' : this.config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${this.config.peerPort}/peerjs`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
      await res.body?.cancel();
      if (res.ok) return { ok: true };
    } catch {
      // Refused or timed out: said below.
    }
    return { ok: false, reason: `signalisation vidéo : le serveur PeerJS ne répond pas sur le port ${this.config.peerPort}` };
  }
}
