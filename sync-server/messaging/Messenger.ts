/**
 * The messaging core: records every message in LMDB before trying it, tries once at once, then
 * again with backoff in the background; after the last try the record says `failed` and the
 * message stays stored, so nothing is lost silently. Tries planned before a restart resume.
 */
import { randomBytes } from 'node:crypto';
import type { MessagePayload, StoredMessage } from '../store/messages.ts';
import type { Messages } from '../store/contract.ts';
import type { EmailTransport, SmsTransport } from './transports.ts';
import type { MessageRecord, Messaging, OutgoingEmail, OutgoingSms } from './types.ts';
import { messagingFailures, messagingSent } from '../metrics.ts';

/** Waits between tries: 30 s, 2 min, 10 min, 30 min, 2 h; a message is given up after 6 tries. */
export const DEFAULT_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 7_200_000];

export interface MessengerOptions {
  email: EmailTransport;
  sms: SmsTransport;
  retryDelaysMs?: number[];
  /** Delivery errors, without recipient or body. */
  log?: (message: string) => void;
  /**
   * In a cluster, runs one try of message `id` only while no other node tries it (store/pg/jobs.ts
   * advisory lock); null when another node holds it. Every node resumes the pending messages, so
   * without it two nodes could send the same SMS. One node: none, tries run as they come.
   */
  exclusive?: (id: string, attempt: () => Promise<MessageRecord>) => Promise<MessageRecord | null>;
}

/** How a channel's deliveries went lately (readiness, http/health.ts). Epoch ms; 0: never. */
export interface DeliveryState {
  transport: string;
  lastSuccessAt: number;
  lastFailureAt: number;
}

export class Messenger implements Messaging {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Messages recorded and not yet sent, with a try to come: the outbox backlog, by channel. */
  private readonly undelivered = { email: new Set<string>(), sms: new Set<string>() };
  readonly delivery: Record<'email' | 'sms', DeliveryState>;
  private readonly retryDelaysMs: number[];
  private readonly log: (message: string) => void;
  private closed = false;

  constructor(
    private readonly store: Messages,
    private readonly options: MessengerOptions,
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.log = options.log ?? (() => undefined);
    this.delivery = {
      email: { transport: options.email.name, lastSuccessAt: 0, lastFailureAt: 0 },
      sms: { transport: options.sms.name, lastSuccessAt: 0, lastFailureAt: 0 },
    };
  }

  get backlog(): { email: number; sms: number } {
    return { email: this.undelivered.email.size, sms: this.undelivered.sms.size };
  }

  /** Plans the tries that a previous run left pending. */
  async resume(now = Date.now()): Promise<void> {
    for (const message of await this.store.pending()) {
      this.undelivered[message.record.channel].add(message.record.id);
      this.schedule(message.record.id, Math.max(0, (message.nextAttemptAt ?? now) - now));
    }
  }

  sendEmail(email: OutgoingEmail): Promise<MessageRecord> {
    return this.submit({ channel: 'email', email }, email.to, email.purpose);
  }

  sendSms(sms: OutgoingSms): Promise<MessageRecord> {
    return this.submit({ channel: 'sms', sms }, sms.to, sms.purpose);
  }

  async record(id: string): Promise<MessageRecord | undefined> {
    return (await this.store.get(id))?.record;
  }

  /** Stops planned tries (they stay pending in the store and resume at the next start). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async submit(payload: MessagePayload, to: string, purpose: string): Promise<MessageRecord> {
    const record: MessageRecord = {
      id: randomBytes(12).toString('base64url'),
      channel: payload.channel,
      to,
      purpose,
      status: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: new Date().toISOString(),
      sentAt: null,
    };
    await this.store.put({ record, payload, nextAttemptAt: Date.now() });
    this.undelivered[record.channel].add(record.id);
    return this.attempt(record.id);
  }

  private async attempt(id: string): Promise<MessageRecord> {
    if (!this.options.exclusive) return this.attemptNow(id);
    const done = await this.options.exclusive(id, () => this.attemptNow(id));
    // Another node is trying it: what the store says now (it plans its own next try, and counts it).
    if (done) return done;
    this.undelivered.email.delete(id);
    this.undelivered.sms.delete(id);
    const stored = await this.store.get(id);
    if (!stored) throw new Error(`message ${id} vanished`);
    return stored.record;
  }

  private async attemptNow(id: string): Promise<MessageRecord> {
    const stored = await this.store.get(id);
    if (!stored || !stored.payload || stored.record.status !== 'pending') {
      this.undelivered.email.delete(id);
      this.undelivered.sms.delete(id);
      if (!stored) throw new Error(`message ${id} vanished`);
      return stored.record;
    }
    const { payload } = stored;
    const transport = payload.channel === 'email' ? this.options.email : this.options.sms;
    let next: StoredMessage;
    try {
      if (payload.channel === 'email') await this.options.email.send(id, payload.email);
      else await this.options.sms.send(id, payload.sms);
      next = {
        record: { ...stored.record, status: 'sent', attempts: stored.record.attempts + 1, lastError: null, sentAt: new Date().toISOString() },
        payload: null,
        nextAttemptAt: null,
      };
      this.delivery[payload.channel].lastSuccessAt = Date.now();
      this.undelivered[payload.channel].delete(id);
      messagingSent.inc({ channel: payload.channel });
    } catch (error) {
      const attempts = stored.record.attempts + 1;
      const delay = this.retryDelaysMs[attempts - 1];
      const lastError = describe(error);
      this.log(`messaging: ${payload.channel} ${id} via ${transport.name}: try ${attempts} failed: ${lastError}`);
      next = {
        record: { ...stored.record, status: delay === undefined ? 'failed' : 'pending', attempts, lastError },
        // Kept when failed for good: an administrator can still see and resend it.
        payload,
        nextAttemptAt: delay === undefined ? null : Date.now() + delay,
      };
      if (delay !== undefined) this.schedule(id, delay);
      else this.undelivered[payload.channel].delete(id);
      this.delivery[payload.channel].lastFailureAt = Date.now();
      messagingFailures.inc({ channel: payload.channel, final: String(delay === undefined) });
    }
    await this.store.put(next);
    return next.record;
  }

  private schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.attempt(id).catch((error: unknown) => this.log(`messaging: ${id}: ${describe(error)}`));
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }
}

/** An error's message, cut short: transports' errors can quote a server's reply at length. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
