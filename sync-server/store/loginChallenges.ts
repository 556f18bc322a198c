/** Pending one-time login codes (strong authentication), stored hashed. */
import type { Databases } from './db.ts';
import type { LoginChallenges } from './contract.ts';

export interface LoginChallenge {
  userId: string;
  channel: 'sms' | 'email' | 'totp';
  /** sha-256 of the code; null for TOTP, checked against the enrolled secret. */
  codeHash: string | null;
  expiresAt: number;
  /** Wrong codes typed so far. */
  tries: number;
}

export class LoginChallengeStore implements LoginChallenges {
  constructor(private readonly db: Pick<Databases, 'loginChallenges'>) {}

  async get(id: string): Promise<LoginChallenge | undefined> {
    return this.db.loginChallenges.get(id) as LoginChallenge | undefined;
  }

  async put(id: string, challenge: LoginChallenge): Promise<void> {
    await this.db.loginChallenges.put(id, challenge);
  }

  async remove(id: string): Promise<void> {
    await this.db.loginChallenges.remove(id);
  }
}
