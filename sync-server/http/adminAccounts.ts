/**
 * «Comptes»: an establishment administrator lists the accounts of the establishments they
 * administer, creates one, gives one a new provisional password, or lifts a lock (SPEC actors:
 * «CLI first, page later»; the rules are those of `npm run admin`, in accounts/accounts.ts).
 * The role is per establishment (#11): an account that also belongs to an establishment the
 * administrator does not administer is not theirs alone to reset or unlock. Each change, and each
 * refusal, is audited in every establishment of the account.
 */
import type { AccountRow, AccountsResponse, ProvisionalPasswordResponse } from '../../schema/adminAccounts.ts';
import { auditAccountChange, checkNewAccount, createAccount, isLocked, provisionalPassword, setPassword, unlockAccount } from '../accounts/accounts.ts';
import type { User } from '../store/users.ts';
import { requireUser, type ApiRequest, type Context, type Handlers } from './context.ts';
import { callerAddress } from './remoteAddress.ts';
import { HttpError, type Request } from './reply.ts';

async function row(ctx: Context, admin: User, user: User): Promise<AccountRow> {
  const sharedWith = await Promise.all(ctx.access.establishmentsBeyond(admin, user).map(async (id) => (await ctx.store.establishments.get(id))?.name ?? id));
  return {
    id: user.id,
    identifier: user.identifier,
    displayName: user.displayName,
    profession: user.profession,
    specialty: user.specialty ?? null,
    rpps: user.rpps,
    email: user.email ?? null,
    mobile: user.mobile ?? null,
    // The role in the administrator's own establishments.
    role: user.adminOf.some((id) => admin.adminOf.includes(id)) ? 'admin' : 'professional',
    establishmentIds: user.establishmentIds,
    sharedWith,
    locked: await isLocked(ctx.store, user.id),
    createdAt: user.createdAt,
  };
}

async function requireAdmin(req: Request, ctx: Context): Promise<User> {
  const user = await requireUser(req, ctx);
  if (!ctx.access.canManageAccounts(user)) throw new HttpError(403, 'forbidden', 'La gestion des comptes est réservée aux administrateurs de l’établissement.');
  return user;
}

/** The account named in the path, if the administrator may manage it (else 404: no hint that it exists). */
async function managedAccount(req: ApiRequest<'accountPassword' | 'accountUnlock'>, ctx: Context, admin: User): Promise<User> {
  const account = await ctx.store.users.get(req.params.accountId);
  if (!account || !ctx.access.canManageAccount(admin, account)) throw new HttpError(404, 'not_found', 'Compte introuvable.');
  return account;
}

/** Every change an administrator makes is in the audit log of each of the account's establishments. */
function auditChange(req: Request, ctx: Context, admin: User, account: User, detail: string): Promise<void> {
  return auditAccountChange(ctx, { actorId: admin.id, account, detail, address: callerAddress(req, ctx) });
}

/**
 * A change that hands the account over (new password, unlock) needs an administrator of every
 * establishment the account opens; a refusal is audited there too, so that the other
 * establishment's administrator sees the attempt.
 */
async function requireWholeAccount(req: Request, ctx: Context, admin: User, account: User, what: string): Promise<void> {
  const beyond = ctx.access.establishmentsBeyond(admin, account);
  if (beyond.length === 0) return;
  await auditChange(req, ctx, admin, account, `refusé : ${what} pour ${account.identifier}`);
  const names = (await Promise.all(beyond.map(async (id) => `«${(await ctx.store.establishments.get(id))?.name ?? id}»`))).join(', ');
  throw new HttpError(
    403,
    'other_establishment',
    beyond.length === 1
      ? `Ce compte appartient aussi à ${names}, que vous n’administrez pas : un administrateur de cet établissement doit le faire.`
      : `Ce compte appartient aussi à ${names}, que vous n’administrez pas : un administrateur de ces établissements doit le faire.`,
  );
}

export const adminAccountHandlers: Handlers<'accounts' | 'accountCreate' | 'accountPassword' | 'accountUnlock'> = {
  async accounts(req, reply, ctx) {
    const admin = await requireAdmin(req, ctx);
    const managed = (await ctx.store.users.list())
      .filter((u) => ctx.access.canManageAccount(admin, u))
      .sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr'));
    const accounts: AccountRow[] = [];
    for (const u of managed) accounts.push(await row(ctx, admin, u));
    const establishments: { id: string; name: string }[] = [];
    for (const id of admin.adminOf) {
      const e = await ctx.store.establishments.get(id);
      if (e) establishments.push({ id: e.id, name: e.name });
    }
    reply.sendJson(200, { accounts, establishments } satisfies AccountsResponse);
  },
  async accountCreate(req, reply, ctx) {
    const admin = await requireAdmin(req, ctx);
    const body = await req.readBody();
    const establishmentId = body.establishmentId ?? '';
    if (!admin.adminOf.includes(establishmentId)) throw new HttpError(400, 'invalid_request', 'Choisissez un de vos établissements.');
    const checked = await checkNewAccount(ctx.store, { ...body, establishmentIds: [establishmentId] });
    if (!checked.ok) throw new HttpError(checked.conflict ? 409 : 400, checked.conflict ? 'conflict' : 'invalid_request', checked.message);
    const password = provisionalPassword();
    const account = await createAccount(ctx.store, checked.value, password);
    await auditChange(req, ctx, admin, account, `compte créé : ${account.identifier}`);
    reply.sendJson(201, { account: await row(ctx, admin, account), password } satisfies ProvisionalPasswordResponse);
  },
  // A new provisional password: the old one stops working and every session of the account ends.
  async accountPassword(req, reply, ctx) {
    const admin = await requireAdmin(req, ctx);
    const account = await managedAccount(req, ctx, admin);
    if (account.id === admin.id) throw new HttpError(400, 'own_account', 'Pour votre propre compte, changez le mot de passe dans «Sécurité du compte».');
    await requireWholeAccount(req, ctx, admin, account, 'mot de passe provisoire');
    const password = provisionalPassword();
    const next = await setPassword(ctx.store, account, password);
    await ctx.sessions.destroyAll(account.id);
    ctx.accessChanged.signedOut(account.id);
    await auditChange(req, ctx, admin, account, `mot de passe provisoire donné : ${account.identifier}`);
    reply.sendJson(200, { account: await row(ctx, admin, next), password } satisfies ProvisionalPasswordResponse);
  },
  async accountUnlock(req, reply, ctx) {
    const admin = await requireAdmin(req, ctx);
    const account = await managedAccount(req, ctx, admin);
    await requireWholeAccount(req, ctx, admin, account, 'déblocage');
    await unlockAccount(ctx.store, account.id);
    await auditChange(req, ctx, admin, account, `compte débloqué : ${account.identifier}`);
    reply.sendJson(200, { account: await row(ctx, admin, account) });
  },
};
