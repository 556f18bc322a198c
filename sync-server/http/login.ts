/**
 * What every way in shares (SPEC §1): the guard against guessing checked first, the password
 * checked, failures counted and audited, and at the end a fresh session.
 */
import type { User } from '../store/users.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { authServices } from '../auth/services.ts';
import { sessionCookie } from '../auth/sessions.ts';
import { audit } from '../audit/audit.ts';
import { HttpError, type Reply, type Request } from './reply.ts';
import { sessionToken, type Context } from './context.ts';
import { callerAddress } from './remoteAddress.ts';
import { loginLockouts, loginMethod, loginRefusals, logins } from '../metrics.ts';

const minutes = (seconds: number): number => Math.max(1, Math.ceil(seconds / 60));

/** Throws the French 429 when this address or account may not try now. */
export async function checkGuard(req: Request, ctx: Context, user: User | undefined): Promise<void> {
  const verdict = await authServices(ctx.store).guard.check(callerAddress(req, ctx), user?.id ?? null);
  if (verdict.ok) return;
  loginRefusals.inc({ reason: verdict.reason });
  if (verdict.reason === 'account_locked') {
    throw new HttpError(
      429,
      'account_locked',
      `Ce compte est verrouillé après ${5} échecs de connexion. Réessayez dans ${minutes(verdict.retryAfterSeconds)} minutes.`,
    );
  }
  throw new HttpError(429, 'rate_limited', `Trop de tentatives de connexion depuis cette adresse. Réessayez dans ${minutes(verdict.retryAfterSeconds)} minutes.`);
}

/** Counts and audits a failed login; throws the 401 (or the 429 when it just locked the account). */
export async function loginFailed(req: Request, ctx: Context, user: User | undefined, identifier: string, method: string, detail: string): Promise<never> {
  const address = callerAddress(req, ctx);
  const locked = await authServices(ctx.store).guard.fail(address, user?.id ?? null);
  logins.inc({ method: loginMethod(method), outcome: 'failure' });
  if (locked) loginLockouts.inc();
  await audit(ctx, { type: 'login.failure', actorId: user?.id ?? null, identifier, method, address, detail });
  if (locked) {
    await audit(ctx, { type: 'login.locked', actorId: user!.id, identifier, method, address });
    throw new HttpError(429, 'account_locked', 'Ce compte est verrouillé après 5 échecs de connexion. Réessayez dans 15 minutes.');
  }
  if (method === 'password') throw new HttpError(401, 'invalid_credentials', 'Identifiant ou mot de passe incorrect.');
  throw new HttpError(401, 'invalid_code', 'Code incorrect.');
}

/** The account behind identifier + password, after the guard; failures are counted. */
export async function checkPassword(req: Request, ctx: Context, identifier: string, password: string): Promise<User> {
  const user = await ctx.store.users.byIdentifier(identifier);
  await checkGuard(req, ctx, user);
  const valid = await verifyPassword(user?.passwordHash ?? null, password);
  if (!user || !valid) return loginFailed(req, ctx, user, identifier, 'password', 'mot de passe');
  return user;
}

export async function passwordLoginForbidden(ctx: Context, user: User): Promise<boolean> {
  const establishments = await Promise.all(user.establishmentIds.map((id) => ctx.store.establishments.get(id)));
  return establishments.some((e) => e?.passwordLoginForbidden === true);
}

/** Opens a new session (a new id at each login; the one the browser held is ended). */
export async function completeLogin(req: Request, reply: Reply, ctx: Context, user: User, method: string): Promise<void> {
  const previous = sessionToken(req);
  if (previous) await ctx.sessions.destroy(previous);
  await authServices(ctx.store).guard.succeed(user.id);
  logins.inc({ method: loginMethod(method), outcome: 'success' });
  const token = await ctx.sessions.create(user.id);
  reply.header('Set-Cookie', sessionCookie(token, ctx.config.secureCookies));
  await audit(ctx, { type: 'login.success', actorId: user.id, method, address: callerAddress(req, ctx) });
}
