/** The professionals the local PSC stand-in knows: every account with an RPPS number. */
import type { Store } from '../store/index.ts';
import type { PscDevAccount } from './pscDevProvider.ts';

export async function pscDevAccounts(store: Store): Promise<PscDevAccount[]> {
  return (await store.users.list())
    .filter((u) => u.rpps)
    .map((u) => {
      const words = u.displayName.replace(/^Dr\s+/, '').split(' ');
      return { rpps: u.rpps!, givenName: words[0] ?? '', familyName: words.slice(1).join(' ') };
    });
}
