/**
 * One-time login codes for strong authentication (SPEC §1.1.3): 6 digits from otplib (HOTP on a
 * fresh random secret for SMS and email; the enrolled TOTP secret for an authenticator app),
 * single use, valid 5 minutes, 5 tries.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateSync, verifySync } from 'otplib';
import type { LoginChallenge } from '../store/loginChallenges.ts';
import type { AuthStates, LoginChallenges } from '../store/contract.ts';

export const CODE_TTL_MS = 5 * 60_000;
export const CODE_MAX_TRIES = 5;
export const CODE_PATTERN = /^[0-9]{6}$/;

const hashCode = (code: string): string => createHash('sha256').update(code).digest('base64url');

export type CodeVerdict = { ok: true; userId: string; channel: LoginChallenge['channel'] } | { ok: false; reason: 'expired' | 'wrong' | 'too_many_tries' };

export class LoginCodes {
  constructor(
    private readonly challenges: LoginChallenges,
    private readonly states: AuthStates,
  ) {}

  /** A new challenge; for SMS and email also the code to send. */
  async issue(userId: string, channel: LoginChallenge['channel'], now = Date.now()): Promise<{ challengeId: string; code: string | null }> {
    const challengeId = randomBytes(24).toString('base64url');
    const code = channel === 'totp' ? null : generateSync({ strategy: 'hotp', secret: generateSecret(), counter: 0 });
    await this.challenges.put(challengeId, { userId, channel, codeHash: code ? hashCode(code) : null, expiresAt: now + CODE_TTL_MS, tries: 0 });
    return { challengeId, code };
  }

  async verify(challengeId: string, code: string, now = Date.now()): Promise<CodeVerdict> {
    const challenge = await this.challenges.get(challengeId);
    if (!challenge || challenge.expiresAt <= now) {
      if (challenge) await this.challenges.remove(challengeId);
      return { ok: false, reason: 'expired' };
    }
    const good = CODE_PATTERN.test(code) && (await this.matches(challenge, code, now));
    if (good) {
      // Single use: the challenge is gone before the session exists.
      await this.challenges.remove(challengeId);
      return { ok: true, userId: challenge.userId, channel: challenge.channel };
    }
    const tries = challenge.tries + 1;
    if (tries >= CODE_MAX_TRIES) {
      await this.challenges.remove(challengeId);
      return { ok: false, reason: 'too_many_tries' };
    }
    await this.challenges.put(challengeId, { ...challenge, tries });
    return { ok: false, reason: 'wrong' };
  }

  private async matches(challenge: LoginChallenge, code: string, now: number): Promise<boolean> {
    if (challenge.codeHash) {
      const a = Buffer.from(hashCode(code));
      const b = Buffer.from(challenge.codeHash);
      return a.length === b.length && timingSafeEqual(a, b);
    }
    const state = await this.states.get(challenge.userId);
    if (!state.totpSecret) return false;
    const result = verifySync({ secret: state.totpSecret, token: code, epoch: Math.floor(now / 1000), epochTolerance: 30 });
    if (!result.valid) return false;
    // A TOTP code is good once: a step at or before the last accepted one is a replay.
    const step = (result as { timeStep: number }).timeStep;
    // Checked and written in one atomic step: the same code typed twice at once is accepted once.
    let accepted = false;
    await this.states.update(challenge.userId, (current) => {
      accepted = step > current.totpLastStep;
      return accepted ? { ...current, totpLastStep: step } : null;
    });
    return accepted;
  }
}
