/**
 * The login machinery of one store: the guard against guessing and the one-time codes. Kept per
 * store (not in the route context) so that a restarted server on the same data dir starts afresh.
 */
import type { Store } from '../store/index.ts';
import { LoginGuard } from './loginGuard.ts';
import { LoginCodes } from './loginCodes.ts';
import type { AddressFailures } from './addressFailures.ts';

export interface AuthServices {
  guard: LoginGuard;
  codes: LoginCodes;
}

const byStore = new WeakMap<Store, AuthServices>();

export function authServices(store: Store): AuthServices {
  let services = byStore.get(store);
  if (!services) {
    services = { guard: new LoginGuard(store.authState), codes: new LoginCodes(store.loginChallenges, store.authState) };
    byStore.set(store, services);
  }
  return services;
}

/**
 * A cluster node counts failures per address where every node sees them (Redis): called by
 * startServer before it takes requests. The guard is made afresh, so counts held before are dropped.
 */
export function shareAddressFailures(store: Store, addresses: AddressFailures): void {
  const services = authServices(store);
  services.guard = new LoginGuard(store.authState, addresses);
}
