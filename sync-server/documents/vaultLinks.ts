/**
 * «Coffre-fort sécurisé» links (SPEC §7.1.4 case 2): a PDF made available to the patient's
 * ordinary email. The email carries a link, never the file; the page asks for a one-time code
 * (by SMS or by email to the patient's own recorded address, or the birth date when the patient
 * has no mobile), allows a bounded number of tries,
 * expires, and can be revoked. Keyed by the sha-256 of the link token: the stored record does not
 * let anyone rebuild a working link.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Database } from 'lmdb';
import type { VaultCodeIssue, VaultLinks, VaultTry } from '../store/contract.ts';

export const VAULT_MAX_TRIES = 5;
export const VAULT_CODE_MINUTES = 15;
export const VAULT_DOWNLOAD_MINUTES = 10;
/** Codes one link may have sent: stops a stranger with the link from flooding the patient's phone. */
export const VAULT_MAX_CODES = 5;

/** The main proof, what the link was made for: 'sms' when the patient has a mobile, else 'email', else 'birthDate'. */
export type VaultProof = 'sms' | 'email' | 'birthDate';
export type VaultCodeChannel = 'sms' | 'email';

export interface VaultLink {
  id: string;
  tokenHash: string;
  consultationId: string;
  documentId: string;
  documentName: string;
  sha256: string;
  size: number;
  createdBy: string;
  senderName: string;
  createdAt: string;
  expiresAt: string;
  recipientEmail: string;
  proof: VaultProof;
  /** E.164 mobile for 'sms'. */
  mobile: string | null;
  /** The patient's recorded email, where a code may go; absent on links made before codes by email. */
  email?: string | null;
  /** YYYY-MM-DD, kept only when the patient has no mobile. */
  birthDate: string | null;
  codeHash: string | null;
  codeExpiresAt: string | null;
  codesSent: number;
  triesLeft: number;
  downloadKeyHash: string | null;
  downloadKeyExpiresAt: string | null;
  revokedAt: string | null;
  downloads: number;
}

/** Where a code may be sent: the patient's mobile and recorded email, never an address typed on the page. */
export function codeChannels(link: VaultLink): VaultCodeChannel[] {
  const out: VaultCodeChannel[] = [];
  if (link.mobile) out.push('sms');
  if (link.email) out.push('email');
  return out;
}

/** The birth date stays the fallback whenever there is no mobile. */
export const birthDateAllowed = (link: VaultLink): boolean => !link.mobile && link.birthDate !== null;

export type VaultState = 'open' | 'expired' | 'revoked' | 'locked';

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function sameSecret(secret: string, hash: string | null): boolean {
  if (!hash) return false;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const newToken = (): string => randomBytes(32).toString('base64url');
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

export function vaultState(link: VaultLink, now = Date.now()): VaultState {
  if (link.revokedAt) return 'revoked';
  if (Date.parse(link.expiresAt) <= now) return 'expired';
  if (link.triesLeft <= 0) return 'locked';
  return 'open';
}

export class VaultLinkStore implements VaultLinks {
  constructor(private readonly db: Database<VaultLink, string>) {}

  async byToken(token: string): Promise<VaultLink | undefined> {
    return this.db.get(hashSecret(token));
  }

  async byId(id: string): Promise<VaultLink | undefined> {
    for (const { value } of this.db.getRange()) if (value.id === id) return value;
    return undefined;
  }

  async forConsultation(consultationId: string): Promise<VaultLink[]> {
    const out: VaultLink[] = [];
    for (const { value } of this.db.getRange()) if (value.consultationId === consultationId) out.push(value);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async put(link: VaultLink): Promise<void> {
    await this.db.put(link.tokenHash, link);
  }

  /** Read-modify-write in one transaction, so that two wrong codes at once both count. */
  async update(tokenHash: string, change: (link: VaultLink) => VaultLink): Promise<VaultLink | undefined> {
    return this.db.transaction(() => {
      const current = this.db.get(tokenHash);
      if (!current) return undefined;
      const next = change(current);
      void this.db.put(tokenHash, next);
      return next;
    });
  }

  /**
   * Spends one try before the answer is compared, in one synchronous transaction: no other guess
   * can read the count between the check and the decrement, so concurrent guesses cannot exceed
   * VAULT_MAX_TRIES. Returns the link as it was when the try was taken (its code, its birth date),
   * with the tries left after it; or why no try was left.
   */
  async takeTry(tokenHash: string, now = Date.now()): Promise<VaultTry> {
    return this.db.transactionSync(() => {
      const current = this.db.get(tokenHash);
      if (!current) return { ok: false as const, state: 'missing' as const };
      const state = vaultState(current, now);
      if (state !== 'open') return { ok: false as const, state };
      const link = { ...current, triesLeft: current.triesLeft - 1 };
      this.db.putSync(tokenHash, link);
      return { ok: true as const, link };
    });
  }

  /**
   * Records a new code if the link may still send one, in one synchronous transaction, for the
   * same reason as takeTry: concurrent requests cannot send more than VAULT_MAX_CODES.
   */
  async issueCode(tokenHash: string, codeHash: string, now = Date.now()): Promise<VaultCodeIssue> {
    return this.db.transactionSync(() => {
      const current = this.db.get(tokenHash);
      if (!current) return { ok: false as const, state: 'missing' as const };
      const state = vaultState(current, now);
      if (state !== 'open') return { ok: false as const, state };
      if (current.codesSent >= VAULT_MAX_CODES) return { ok: false as const, state: 'too_many_codes' as const };
      const codeExpiresAt = new Date(now + VAULT_CODE_MINUTES * 60_000).toISOString();
      this.db.putSync(tokenHash, { ...current, codeHash, codeExpiresAt, codesSent: current.codesSent + 1 });
      return { ok: true as const };
    });
  }

  async removeForConsultation(consultationId: string): Promise<void> {
    for (const link of await this.forConsultation(consultationId)) await this.db.remove(link.tokenHash);
  }
}
