/**
 * «Comptes»: an establishment administrator lists the accounts of their establishments, creates
 * one, gives one a new provisional password, or lifts a lock (SPEC actors: «CLI first, page
 * later»; the rules are those of `npm run admin`, in accounts/accounts.ts). Each change is audited.
 */
import type { AccountRow, AccountsResponse, ProvisionalPasswordResponse } from '../../schema/adminAccounts.ts';
import { checkNewAccount, createAccount, isLocked, provisionalPassword, setPassword, unlockAccount } from '../accounts/accounts.ts';
import { audit } from '../audit/audit.ts';
import type { User } from '../store/users.ts';
import { requireUser, type Context, type Route } from './context.ts';
import { callerAddress } from './remoteAddress.ts';
import { HttpError, type Request } from './reply.ts';

function row(ctx: Context, user: User): AccountRow {
  return {
    id: user.id,
    identifier: user.identifier,
    displayName: user.displayName,
    profession: user.profession,
    specialty: user.specialty ?? null,
    rpps: user.rpps,
    email: user.email ?? null,
    mobile: user.mobile ?? null,
    role: user.role,
    establishmentIds: user.establishmentIds,
    locked: isLocked(ctx.store, user.id),
    createdAt: user.createdAt,
  };
}

function requireAdmin(req: Request, ctx: Context): User {
  const user = requireUser(req, ctx);
  if (!ctx.access.canManageAccounts(user)) throw new HttpError(403, 'forbidden', 'La gestion des comptes est réservée aux administrateurs de l’établissement.');
  return user;
}

/** The account named in the path, if the administrator may manage it (else 404: no hint that it exists). */
function managedAccount(req: Request, ctx: Context, admin: User): User {
  const account = ctx.store.users.get(req.params[0] ?? '');
  if (!account || !ctx.access.canManageAccount(admin, account)) throw new HttpError(404, 'not_found', 'Compte introuvable.');
  return account;
}

/** Every change an administrator makes is in the audit log, with the account's identifier. */
function auditChange(req: Request, ctx: Context, admin: User, detail: string): Promise<void> {
  return audit(ctx, { type: 'account.change', actorId: admin.id, address: callerAddress(req, ctx), detail });
}

export const adminAccountRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/admin\/accounts$/,
    handler(req, reply, ctx) {
      const admin = requireAdmin(req, ctx);
      const accounts = ctx.store.users
        .list()
        .filter((u) => ctx.access.canManageAccount(admin, u))
        .sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr'))
        .map((u) => row(ctx, u));
      const establishments = admin.establishmentIds.flatMap((id) => {
        const e = ctx.store.establishments.get(id);
        return e ? [{ id: e.id, name: e.name }] : [];
      });
      reply.sendJson(200, { accounts, establishments } satisfies AccountsResponse);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/admin\/accounts$/,
    async handler(req, reply, ctx) {
      const admin = requireAdmin(req, ctx);
      const body = (await reply.json()) as Record<string, unknown> | null;
      if (!body || typeof body !== 'object') throw new HttpError(400, 'invalid_request', 'Requête invalide.');
      const establishmentId = typeof body.establishmentId === 'string' ? body.establishmentId : '';
      if (!admin.establishmentIds.includes(establishmentId)) throw new HttpError(400, 'invalid_request', 'Choisissez un de vos établissements.');
      const checked = checkNewAccount(ctx.store, { ...body, establishmentIds: [establishmentId] });
      if (!checked.ok) throw new HttpError(checked.conflict ? 409 : 400, checked.conflict ? 'conflict' : 'invalid_request', checked.message);
      const password = provisionalPassword();
      const account = await createAccount(ctx.store, checked.value, password);
      await auditChange(req, ctx, admin, `compte créé : ${account.identifier}`);
      reply.sendJson(201, { account: row(ctx, account), password } satisfies ProvisionalPasswordResponse);
    },
  },
  {
    // A new provisional password: the old one stops working and every session of the account ends.
    method: 'POST',
    pattern: /^\/api\/admin\/accounts\/([A-Za-z0-9_-]{1,64})\/password$/,
    async handler(req, reply, ctx) {
      const admin = requireAdmin(req, ctx);
      const account = managedAccount(req, ctx, admin);
      if (account.id === admin.id) throw new HttpError(400, 'own_account', 'Pour votre propre compte, changez le mot de passe dans «Sécurité du compte».');
      const password = provisionalPassword();
      const next = await setPassword(ctx.store, account, password);
      await ctx.sessions.destroyAll(account.id);
      ctx.accessChanged.signedOut(account.id);
      await auditChange(req, ctx, admin, `mot de passe provisoire donné : ${account.identifier}`);
      reply.sendJson(200, { account: row(ctx, next), password } satisfies ProvisionalPasswordResponse);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/admin\/accounts\/([A-Za-z0-9_-]{1,64})\/unlock$/,
    async handler(req, reply, ctx) {
      const admin = requireAdmin(req, ctx);
      const account = managedAccount(req, ctx, admin);
      await unlockAccount(ctx.store, account.id);
      await auditChange(req, ctx, admin, `compte débloqué : ${account.identifier}`);
      reply.sendJson(200, { account: row(ctx, account) });
    },
  },
];
