/** Per account: recent login failures, the lock they cause, and the enrolled authenticator app. */
import type { Databases } from './db.ts';

export interface AuthState {
  /** Epoch ms of recent failed logins (only those inside the counting window are kept). */
  failures: number[];
  /** Epoch ms until which the account refuses every login; 0 when not locked. */
  lockedUntil: number;
  /** Base32 TOTP secret once enrolment is confirmed. */
  totpSecret: string | null;
  /** Secret shown as a QR code, waiting for its first code to confirm enrolment. */
  totpPending: string | null;
  /** Last TOTP time step accepted: a code is good once. */
  totpLastStep: number;
}

export const EMPTY_AUTH_STATE: AuthState = { failures: [], lockedUntil: 0, totpSecret: null, totpPending: null, totpLastStep: 0 };

export class AuthStateStore {
  constructor(private readonly db: Pick<Databases, 'authState'>) {}

  get(userId: string): AuthState {
    return { ...EMPTY_AUTH_STATE, ...(this.db.authState.get(userId) as Partial<AuthState> | undefined) };
  }

  async put(userId: string, state: AuthState): Promise<void> {
    await this.db.authState.put(userId, state);
  }
}
