/**
 * Professionals' accounts as an establishment administrator manages them (SPEC actors): the rules
 * for a new account, shared by the «Comptes» page (http/adminAccounts.ts) and the command line
 * (scripts/admin.ts), so that both refuse the same input with the same French message.
 */
import { randomBytes } from 'node:crypto';
import { normaliseMobile } from '../../schema/identity.ts';
import { hashPassword } from '../auth/passwords.ts';
import { audit } from '../audit/audit.ts';
import type { Store } from '../store/index.ts';
import { withRoles, type User } from '../store/users.ts';

export const newUserId = (): string => randomBytes(12).toString('base64url');

/** A provisional password, shown once to whoever created it. */
export const provisionalPassword = (): string => randomBytes(12).toString('base64url');

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490'];

export interface NewAccountInput {
  identifier?: unknown;
  displayName?: unknown;
  profession?: unknown;
  establishmentIds?: unknown;
  rpps?: unknown;
  specialty?: unknown;
  email?: unknown;
  mobile?: unknown;
  mssante?: unknown;
  role?: unknown;
}

export type NewAccount = Pick<User, 'identifier' | 'displayName' | 'profession' | 'establishmentIds' | 'rpps' | 'role'> &
  Required<Pick<User, 'specialty' | 'email' | 'mobile' | 'mssante'>>;

export type Checked = { ok: true; value: NewAccount } | { ok: false; message: string; conflict: boolean };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IDENTIFIER = /^[a-z0-9._-]{3,64}$/i;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Checks a new account against the store: every field, then that identifier and RPPS are free. */
export async function checkNewAccount(store: Store, input: NewAccountInput): Promise<Checked> {
  const fail = (message: string, conflict = false): Checked => ({ ok: false, message, conflict });
  const identifier = text(input.identifier);
  if (!identifier) return fail('Indiquez l’identifiant de connexion.');
  if (!IDENTIFIER.test(identifier)) return fail('Identifiant : 3 à 64 lettres, chiffres, points ou tirets, sans espace ni accent.');
  const displayName = text(input.displayName);
  if (!displayName || displayName.length > 120) return fail('Indiquez le nom affiché (120 caractères au plus).');
  const profession = text(input.profession);
  if (!profession || profession.length > 80) return fail('Indiquez la profession (80 caractères au plus).');
  const establishmentIds = Array.isArray(input.establishmentIds) ? input.establishmentIds.filter((id): id is string => typeof id === 'string') : [];
  if (establishmentIds.length === 0) return fail('Choisissez l’établissement du compte.');
  for (const id of establishmentIds) if (!(await store.establishments.get(id))) return fail('Établissement inconnu.');
  const rpps = text(input.rpps) || null;
  if (rpps && !/^\d{11}$/.test(rpps)) return fail('Le numéro RPPS comporte 11 chiffres.');
  const email = text(input.email) || null;
  if (email && !EMAIL.test(email)) return fail('Adresse e-mail invalide.');
  const mssante = text(input.mssante) || null;
  if (mssante && !EMAIL.test(mssante)) return fail('Adresse MSSanté invalide.');
  const mobileText = text(input.mobile);
  const mobile = mobileText ? normaliseMobile(mobileText) : null;
  if (mobileText && !mobile) return fail('Numéro de mobile invalide (exemple : 06 12 34 56 78).');
  const role = input.role === undefined || input.role === '' ? 'professional' : input.role;
  if (role !== 'professional' && role !== 'admin') return fail('Rôle inconnu.');
  const specialty = text(input.specialty) || null;
  if (await store.users.byIdentifier(identifier)) return fail(`L’identifiant ${identifier} existe déjà.`, true);
  if (rpps && (await store.users.byRpps(rpps))) return fail(`Un compte a déjà le numéro RPPS ${rpps}.`, true);
  return { ok: true, value: { identifier, displayName, profession, establishmentIds, rpps, role, specialty, email, mobile, mssante } };
}

/** Stores a new account with `password` (hashed); its colour is picked in turn. */
export async function createAccount(
  store: Store,
  fields: Pick<User, 'identifier' | 'displayName' | 'profession' | 'establishmentIds'> & Partial<User>,
  password: string,
): Promise<User> {
  const user: User = withRoles({
    id: newUserId(),
    rpps: null,
    color: COLORS[(await store.users.count()) % COLORS.length]!,
    createdAt: new Date().toISOString(),
    ...fields,
    passwordHash: await hashPassword(password),
  });
  await store.users.put(user);
  return user;
}

/** Gives an account a new password (hashed); returns the account as stored. */
export async function setPassword(store: Store, user: User, password: string): Promise<User> {
  const next = { ...user, passwordHash: await hashPassword(password) };
  await store.users.put(next);
  return next;
}

/** Ends a lockout after too many failed logins. */
export async function unlockAccount(store: Store, userId: string): Promise<void> {
  await store.authState.update(userId, (state) => ({ ...state, failures: [], lockedUntil: 0 }));
}

/** True while failed logins keep the account locked. */
export async function isLocked(store: Store, userId: string, now = Date.now()): Promise<boolean> {
  return (await store.authState.get(userId)).lockedUntil > now;
}

/**
 * Audits a change to an account in every establishment the account belongs to (#11): an
 * administrator of any of them sees who changed it, even when the actor is not one of theirs.
 * `actorId` null: the operator's command line.
 */
export function auditAccountChange(
  ctx: { store: Pick<Store, 'audit' | 'consultations'> },
  change: { actorId: string | null; account: Pick<User, 'establishmentIds'>; detail: string; address?: string },
): Promise<void> {
  return audit(ctx, {
    type: 'account.change',
    actorId: change.actorId,
    detail: change.detail,
    establishmentIds: change.account.establishmentIds,
    ...(change.address === undefined ? {} : { address: change.address }),
  });
}
