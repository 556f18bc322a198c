/** Professionals' accounts. */
import type { Databases } from './db.ts';
import type { Users } from './contract.ts';

export interface User {
  id: string;
  identifier: string;
  passwordHash: string;
  displayName: string;
  rpps: string | null;
  profession: string;
  color: string;
  establishmentIds: string[];
  /**
   * The establishments this account administers, among its own (#11: the administrator role
   * belongs to a membership, not to the account). Accounts stored before it have a global `role`
   * only: an administrator then administers every establishment they belong to (withRoles, on
   * every read; written back on the account's next change).
   */
  adminOf: string[];
  /** 'admin' when the account administers at least one establishment (derived from adminOf). */
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

/**
 * An account with its administered establishments settled: `adminOf` when given (kept to the
 * account's establishments), else every establishment for an account whose `role` is 'admin'
 * (an account stored before roles per establishment, or created with `role: 'admin'`).
 */
export function withRoles<T extends Pick<User, 'establishmentIds'> & { role?: User['role']; adminOf?: string[] }>(user: T): T & Pick<User, 'role' | 'adminOf'> {
  const adminOf = (user.adminOf ?? (user.role === 'admin' ? user.establishmentIds : [])).filter((id) => user.establishmentIds.includes(id));
  return { ...user, adminOf, role: adminOf.length > 0 ? 'admin' : 'professional' };
}

export class UserStore implements Users {
  constructor(private readonly db: Pick<Databases, 'users' | 'usersByIdentifier' | 'root'>) {}

  async get(id: string): Promise<User | undefined> {
    const user = this.db.users.get(id) as User | undefined;
    return user && withRoles(user);
  }

  async byIdentifier(identifier: string): Promise<User | undefined> {
    const id = this.db.usersByIdentifier.get(identifier.toLowerCase());
    return id === undefined ? undefined : this.get(id);
  }

  async put(stored: User): Promise<void> {
    const user = withRoles(stored);
    await this.db.root.transaction(() => {
      void this.db.users.put(user.id, user);
      void this.db.usersByIdentifier.put(user.identifier.toLowerCase(), user.id);
    });
  }

  /** The account whose RPPS number this is (Pro Santé Connect's SubjectNameID). */
  async byRpps(rpps: string): Promise<User | undefined> {
    for (const { value } of this.db.users.getRange()) {
      const user = value as User;
      if (user.rpps === rpps) return withRoles(user);
    }
    return undefined;
  }

  async list(): Promise<User[]> {
    return [...this.db.users.getRange()].map(({ value }) => withRoles(value as User));
  }

  async count(): Promise<number> {
    return this.db.users.getCount();
  }
}
