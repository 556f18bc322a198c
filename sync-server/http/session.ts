/** Login with identifier + password, who am I, logout (SPEC §1.1.4). */
import { validateSessionRequest, type SessionUser } from '../../schema/api.ts';
import type { User } from '../store/users.ts';
import { clearedSessionCookie, sessionCookie } from '../auth/sessions.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { requireUser, sessionToken, type Route } from './context.ts';

export function toSessionUser(user: User): SessionUser {
  return {
    id: user.id,
    identifier: user.identifier,
    displayName: user.displayName,
    color: user.color,
    establishmentIds: user.establishmentIds,
  };
}

export const sessionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/session$/,
    async handler(_req, reply, ctx) {
      const parsed = validateSessionRequest(await reply.json());
      if (!parsed.ok) return reply.error(400, 'invalid_request', parsed.message);
      const user = ctx.store.users.byIdentifier(parsed.value.identifier);
      const valid = await verifyPassword(user?.passwordHash ?? null, parsed.value.password);
      if (!user || !valid) {
        return reply.error(401, 'invalid_credentials', 'Identifiant ou mot de passe incorrect.');
      }
      const token = await ctx.sessions.create(user.id);
      reply.header('Set-Cookie', sessionCookie(token, ctx.config.secureCookies));
      reply.sendJson(200, { user: toSessionUser(user) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/session$/,
    handler(req, reply, ctx) {
      reply.sendJson(200, { user: toSessionUser(requireUser(req, ctx)) });
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/session$/,
    async handler(req, reply, ctx) {
      const token = sessionToken(req);
      if (token) await ctx.sessions.destroy(token);
      reply.header('Set-Cookie', clearedSessionCookie(ctx.config.secureCookies));
      reply.send(204, null);
    },
  },
];
