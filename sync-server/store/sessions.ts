/** Login sessions, stored under the sha-256 of their token (a stolen database gives no cookie). */
import type { Databases } from './db.ts';

export interface Session {
  userId: string;
  createdAt: number;
  lastSeenAt: number;
}

export class SessionStore {
  constructor(private readonly db: Pick<Databases, 'sessions'>) {}

  get(tokenHash: string): Session | undefined {
    return this.db.sessions.get(tokenHash) as Session | undefined;
  }

  async put(tokenHash: string, session: Session): Promise<void> {
    await this.db.sessions.put(tokenHash, session);
  }

  async remove(tokenHash: string): Promise<void> {
    await this.db.sessions.remove(tokenHash);
  }
}
