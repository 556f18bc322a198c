/** Professionals' accounts. */
import type { Databases } from './db.ts';

export interface User {
  id: string;
  identifier: string;
  passwordHash: string;
  displayName: string;
  rpps: string | null;
  profession: string;
  color: string;
  establishmentIds: string[];
  role: 'professional' | 'admin';
  createdAt: string;
  // Optional: accounts created before issue 3 lack them.
  specialty?: string | null;
  email?: string | null;
  /** E.164 (+33…), where strong-authentication codes go by SMS. */
  mobile?: string | null;
  /** Secure health messaging (MSSanté) address. */
  mssante?: string | null;
}

export class UserStore {
  constructor(private readonly db: Pick<Databases, 'users' | 'usersByIdentifier' | 'root'>) {}

  get(id: string): User | undefined {
    return this.db.users.get(id) as User | undefined;
  }

  byIdentifier(identifier: string): User | undefined {
    const id = this.db.usersByIdentifier.get(identifier.toLowerCase());
    return id === undefined ? undefined : this.get(id);
  }

  async put(user: User): Promise<void> {
    await this.db.root.transaction(() => {
      void this.db.users.put(user.id, user);
      void this.db.usersByIdentifier.put(user.identifier.toLowerCase(), user.id);
    });
  }

  /** The account whose RPPS number this is (Pro Santé Connect's SubjectNameID). */
  byRpps(rpps: string): User | undefined {
    for (const { value } of this.db.users.getRange()) {
      const user = value as User;
      if (user.rpps === rpps) return user;
    }
    return undefined;
  }

  list(): User[] {
    return [...this.db.users.getRange()].map(({ value }) => value as User);
  }

  count(): number {
    return this.db.users.getCount();
  }
}
