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

  count(): number {
    return this.db.users.getCount();
  }
}
