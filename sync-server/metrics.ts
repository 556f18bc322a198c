/**
 * The server's Prometheus metrics (served at GET /metrics by http/metrics.ts; docs/ops/METRICS.md
 * lists them). One registry per process, with prom-client's default process metrics (event-loop
 * lag, heap, CPU, file descriptors) once a server runs.
 *
 * Labels carry kinds, never names: a document's kind (dossier, room, activity), a route's pattern
 * (`/api/consultations/:consultationId`), a channel (email, sms); no document name, patient, e-mail
 * address or token ever becomes a label.
 *
 * The sync path counts in plain numbers (`syncCounts`), read only when Prometheus scrapes: an edit
 * costs an integer increment, no object, no label lookup. Gauges (open sockets, rooms, outbox
 * backlog) are computed at scrape time from the servers running in this process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RoomRegistry } from './sync/RoomRegistry.ts';

export const registry = new Registry();

/** Counted on the sync path; each field only ever grows. */
export const syncCounts = {
  /** WebSocket messages received on /sync/ sockets (sync, awareness). */
  messagesReceived: 0,
  /** Document updates committed to the log (clients' and the server's own). */
  updatesStored: 0,
  /** Document updates published to a room's other sockets. */
  updatesFannedOut: 0,
  /** Logs folded into a snapshot. */
  compactions: 0,
  /** LMDB batch commits of the document log that failed (full disk, I/O error). */
  commitFailures: 0,
};

/** A counter whose value is read from `read` at scrape time. */
function counterOf(name: string, help: string, read: () => number): Counter {
  let exported = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > exported) {
        this.inc(now - exported);
        exported = now;
      }
    },
  });
}

counterOf('relais_sync_messages_received_total', 'WebSocket messages received on /sync/ sockets.', () => syncCounts.messagesReceived);
counterOf('relais_sync_updates_stored_total', 'Document updates committed to the LMDB log.', () => syncCounts.updatesStored);
counterOf('relais_sync_updates_fanned_out_total', 'Document updates published to the other sockets of their room.', () => syncCounts.updatesFannedOut);
counterOf('relais_sync_compactions_total', 'Document logs folded into a snapshot.', () => syncCounts.compactions);
counterOf('relais_lmdb_commit_failures_total', 'Commits of the document log that failed (nothing of the batch stored).', () => syncCounts.commitFailures);

/** One observation per batch commit (one per event-loop turn at most), not per edit. */
export const lmdbCommitSeconds = new Histogram({
  name: 'relais_lmdb_commit_seconds',
  help: 'Duration of one synchronous LMDB commit of the document log (every edit of one event-loop turn).',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

export const DOC_KINDS = ['dossier', 'room', 'activity'] as const;

/** The kind of a document name (`dossier/<id>` → dossier); anything else is `other`. */
export function docKind(docName: string): string {
  const slash = docName.indexOf('/');
  const prefix = slash > 0 ? docName.slice(0, slash) : '';
  return (DOC_KINDS as readonly string[]).includes(prefix) ? prefix : 'other';
}

/** What a running server lets the scrape read (server.ts registers it while it runs). */
export interface MetricSource {
  rooms: RoomRegistry;
  /** Messages with a delivery try still to come, by channel. */
  outboxBacklog(): { email: number; sms: number };
}

const sources = new Set<MetricSource>();

let defaultsCollected = false;

/**
 * Registers a running server's state for the gauges; returns the function that removes it. The
 * first call starts prom-client's process metrics (not at import: the admin CLI imports the store).
 */
export function watch(source: MetricSource): () => void {
  if (!defaultsCollected) {
    defaultsCollected = true;
    collectDefaultMetrics({ register: registry });
  }
  sources.add(source);
  return () => void sources.delete(source);
}

function byKind(count: (room: { name: string; size: number }) => number): Map<string, number> {
  const totals = new Map<string, number>([...DOC_KINDS, 'other'].map((k) => [k, 0]));
  for (const source of sources) {
    source.rooms.forEach((room) => {
      const kind = docKind(room.name);
      totals.set(kind, (totals.get(kind) ?? 0) + count(room));
    });
  }
  return totals;
}

new Gauge({
  name: 'relais_sync_open_sockets',
  help: 'Open /sync/ sockets, by document kind.',
  labelNames: ['kind'],
  registers: [registry],
  collect() {
    for (const [kind, n] of byKind((room) => room.size)) this.set({ kind }, n);
  },
});

new Gauge({
  name: 'relais_sync_rooms',
  help: 'Documents loaded in memory (rooms), by document kind.',
  labelNames: ['kind'],
  registers: [registry],
  collect() {
    for (const [kind, n] of byKind(() => 1)) this.set({ kind }, n);
  },
});

new Gauge({
  name: 'relais_messaging_outbox_backlog',
  help: 'Messages (e-mail, SMS) recorded and not yet delivered, with a try still to come.',
  labelNames: ['channel'],
  registers: [registry],
  collect() {
    let email = 0;
    let sms = 0;
    for (const source of sources) {
      const backlog = source.outboxBacklog();
      email += backlog.email;
      sms += backlog.sms;
    }
    this.set({ channel: 'email' }, email);
    this.set({ channel: 'sms' }, sms);
  },
});

export const messagingSent = new Counter({
  name: 'relais_messaging_sent_total',
  help: 'Messages delivered to their transport (SMTP, SMS gateway, or the local outbox).',
  labelNames: ['channel'],
  registers: [registry],
});

export const messagingFailures = new Counter({
  name: 'relais_messaging_failures_total',
  help: 'Delivery tries that failed; `final` is "true" for the last try, after which the message is given up.',
  labelNames: ['channel', 'final'],
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'relais_http_requests_total',
  help: 'HTTP requests answered, by route pattern (never the path itself), method and status.',
  labelNames: ['route', 'method', 'status'],
  registers: [registry],
});

export const httpSeconds = new Histogram({
  name: 'relais_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by route pattern (until the last byte of a streamed body).',
  labelNames: ['route', 'method'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

const LOGIN_METHODS = new Set(['password', 'psc', 'sms', 'email', 'totp', 'code']);
/** A login method as a label: one of a fixed few. */
export const loginMethod = (method: string): string => (LOGIN_METHODS.has(method) ? method : 'other');

export const logins = new Counter({
  name: 'relais_logins_total',
  help: 'Login attempts that reached a verdict, by method and outcome (success, failure).',
  labelNames: ['method', 'outcome'],
  registers: [registry],
});

export const loginRefusals = new Counter({
  name: 'relais_login_refusals_total',
  help: 'Login attempts refused before checking, by reason (rate_limited: too many failures from one address; account_locked).',
  labelNames: ['reason'],
  registers: [registry],
});

export const loginLockouts = new Counter({
  name: 'relais_login_lockouts_total',
  help: 'Accounts locked after repeated failures.',
  registers: [registry],
});

export const vaultFailures = new Counter({
  name: 'relais_vault_failures_total',
  help: 'Refused requests on the patients\' vault (/api/vault/…), by error code (wrong_answer, vault_locked, vault_expired, …).',
  labelNames: ['code'],
  registers: [registry],
});

export const readyCheck = new Gauge({
  name: 'relais_ready',
  help: '1 when a readiness check passes (GET /api/health/ready), 0 when not, by check.',
  labelNames: ['check'],
  registers: [registry],
});
