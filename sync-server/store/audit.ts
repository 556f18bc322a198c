/**
 * The audit log (SPEC §9): append-only. Events are keyed by [time, sequence]; nothing here edits
 * or deletes one. They carry ids (person, patient, consultation), never health content.
 */
import type { Databases } from './db.ts';
import type { Audit } from './contract.ts';

export type AuditEventType =
  | 'login.success'
  | 'login.failure'
  | 'login.locked'
  | 'login.code-sent'
  | 'login.refused'
  | 'message.capped'
  | 'logout'
  | 'dossier.open'
  | 'document.send'
  | 'document.download'
  | 'document.upload'
  | 'document.sign'
  | 'vault.open'
  | 'dossier.purge'
  | 'account.change'
  /** Someone entered or left a consultation's call (consultations/RoomPresence.ts). */
  | 'call.join'
  | 'call.leave';

export interface AuditEvent {
  /** ISO time, set when appended. */
  at: string;
  type: AuditEventType;
  /** The person acting (user id), null when unknown (a failed login with an unknown identifier). */
  actorId: string | null;
  /** The identifier typed at login, kept for failures on unknown accounts. */
  identifier?: string;
  /** 'password' | 'sms' | 'email' | 'totp' | 'psc' for logins. */
  method?: string;
  consultationId?: string;
  patientId?: string;
  /** The caller's network address. */
  address?: string;
  /** A short reason, never health data. */
  detail?: string;
  /** The establishments the event concerns beyond its actor's (an account change: the account's), whose audit shows it. */
  establishmentIds?: string[];
}

export interface AuditFilter {
  actorId?: string;
  patientId?: string;
  /** Inclusive, ISO date or time. */
  from?: string;
  /** Exclusive, ISO date or time. */
  to?: string;
  limit?: number;
}

export class AuditStore implements Audit {
  private seq = 0;

  constructor(private readonly db: Pick<Databases, 'audit'>) {}

  async append(event: Omit<AuditEvent, 'at'>, now = Date.now()): Promise<AuditEvent> {
    const full: AuditEvent = { at: new Date(now).toISOString(), ...event };
    this.seq = (this.seq + 1) % 1_000_000;
    await this.db.audit.put([now, this.seq], full);
    return full;
  }

  /** Newest first. */
  async query(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    const start = filter.to ? [Date.parse(filter.to)] : undefined;
    const end = filter.from ? [Date.parse(filter.from)] : undefined;
    const out: AuditEvent[] = [];
    const limit = filter.limit ?? 500;
    for (const { value } of this.db.audit.getRange({ reverse: true, start, end })) {
      const e = value as AuditEvent;
      if (filter.actorId && e.actorId !== filter.actorId) continue;
      if (filter.patientId && e.patientId !== filter.patientId) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }
}
