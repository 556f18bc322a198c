/** Login sessions, stored under the sha-256 of their token (a stolen database gives no cookie). */
import type { Databases } from './db.ts';
import type { Sessions } from './contract.ts';

export interface Session {
  userId: string;
  createdAt: number;
  lastSeenAt: number;
}

export class SessionStore implements Sessions {
  constructor(private readonly db: Pick<Databases, 'sessions'>) {}

  async get(tokenHash: string): Promise<Session | undefined> {
    return this.db.sessions.get(tokenHash) as Session | undefined;
  }

  async put(tokenHash: string, session: Session): Promise<void> {
    await this.db.sessions.put(tokenHash, session);
  }

  async remove(tokenHash: string): Promise<void> {
    await this.db.sessions.remove(tokenHash);
  }

  /** Ends every session of a user; returns how many there were. */
  async removeForUser(userId: string): Promise<number> {
    return (await this.removeOthers(userId, null)).length;
  }

  /** Ends every session of a user but `keep`; returns the keys of those ended. */
  async removeOthers(userId: string, keep: string | null): Promise<string[]> {
    const keys: string[] = [];
    for (const { key, value } of this.db.sessions.getRange()) if ((value as Session).userId === userId && key !== keep) keys.push(key);
    for (const key of keys) await this.db.sessions.remove(key);
    return keys;
  }
}
