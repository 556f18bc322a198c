/** Login with identifier + password, who am I, logout (SPEC §1.1.4). */
import { validateSessionRequest, type SessionUser } from '../../schema/api.ts';
import type { User } from '../store/users.ts';
import { clearedSessionCookie } from '../auth/sessions.ts';
import { audit } from '../audit/audit.ts';
import { checkPassword, completeLogin, passwordLoginForbidden } from './login.ts';
import { callerAddress } from './remoteAddress.ts';
import { requireUser, sessionToken, type Handlers } from './context.ts';

export function toSessionUser(user: User): SessionUser {
  return {
    id: user.id,
    identifier: user.identifier,
    displayName: user.displayName,
    color: user.color,
    establishmentIds: user.establishmentIds,
    role: user.role,
  };
}

export const sessionHandlers: Handlers<'login' | 'session' | 'logout' | 'logoutEverywhere'> = {
  async login(req, reply, ctx) {
    const parsed = validateSessionRequest(await req.readBody());
    if (!parsed.ok) return reply.error(400, 'invalid_request', parsed.message);
    const user = await checkPassword(req, ctx, parsed.value.identifier, parsed.value.password);
    if (await passwordLoginForbidden(ctx, user)) {
      await audit(ctx, { type: 'login.refused', actorId: user.id, method: 'password', address: callerAddress(req, ctx), detail: 'authentification forte imposée' });
      return reply.error(403, 'strong_auth_required', 'Votre établissement impose l’authentification forte : choisissez «Authentification forte».');
    }
    await completeLogin(req, reply, ctx, user, 'password');
    reply.sendJson(200, { user: toSessionUser(user) });
  },
  async session(req, reply, ctx) {
    reply.sendJson(200, { user: toSessionUser(await requireUser(req, ctx)) });
  },
  async logout(req, reply, ctx) {
    const token = sessionToken(req);
    const userId = await ctx.sessions.resolve(token);
    if (token) {
      await ctx.sessions.destroy(token);
      ctx.accessChanged.sessionEnded(ctx.sessions.keyOf(token));
    }
    if (userId) await audit(ctx, { type: 'logout', actorId: userId, address: callerAddress(req, ctx) });
    reply.header('Set-Cookie', clearedSessionCookie(ctx.config.secureCookies));
    reply.send(204, null);
  },
  // «Se déconnecter partout»: every session of the account ends, on every device.
  async logoutEverywhere(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const ended = await ctx.sessions.destroyAll(user.id);
    ctx.accessChanged.signedOut(user.id);
    await audit(ctx, { type: 'logout', actorId: user.id, address: callerAddress(req, ctx), detail: `partout (${ended})` });
    reply.header('Set-Cookie', clearedSessionCookie(ctx.config.secureCookies));
    reply.send(204, null);
  },
};
