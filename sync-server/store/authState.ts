/** Per account: recent login failures, the lock they cause, and the enrolled authenticator app. */
import type { Databases } from './db.ts';
import type { AuthStates } from './contract.ts';

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

export class AuthStateStore implements AuthStates {
  constructor(private readonly db: Pick<Databases, 'authState'>) {}

  async get(userId: string): Promise<AuthState> {
    return this.read(userId);
  }

  private read(userId: string): AuthState {
    return { ...EMPTY_AUTH_STATE, ...(this.db.authState.get(userId) as Partial<AuthState> | undefined) };
  }

  async put(userId: string, state: AuthState): Promise<void> {
    await this.db.authState.put(userId, state);
  }

  /**
   * Read-modify-write in one synchronous transaction: no other caller reads the state between
   * this read and this write, so two failed logins at once both count.
   */
  async update(userId: string, change: (state: AuthState) => AuthState | null): Promise<AuthState> {
    return this.db.authState.transactionSync(() => {
      const current = this.read(userId);
      const next = change(current);
      if (next === null) return current;
      this.db.authState.putSync(userId, next);
      return next;
    });
  }
}
