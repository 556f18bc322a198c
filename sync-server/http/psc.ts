/**
 * «Pro Santé Connect» (SPEC §1.1.2): OpenID Connect authorization code + PKCE against PSC_ISSUER,
 * with PSC's quirks — discovery at `{issuer}/.well-known/wallet-openid-configuration`,
 * `scope=openid scope_all`, `acr_values=eidas1`, an `acr` other than eidas1 refused, and the
 * account found by the RPPS number in the `SubjectNameID` claim of userinfo.
 */
import * as oidc from 'openid-client';
import type { Config } from '../config.ts';
import { audit } from '../audit/audit.ts';
import type { Request } from './reply.ts';
import type { Context, Handlers } from './context.ts';
import { completeLogin } from './login.ts';
import { callerAddress } from './remoteAddress.ts';
import { readCookie } from '../auth/sessions.ts';

const FLOW_COOKIE = 'relais_psc';
const FLOW_TTL_MS = 10 * 60_000;

const discovered = new Map<string, Promise<oidc.Configuration>>();

function pscConfiguration(config: Config): Promise<oidc.Configuration> {
  const issuer = config.pscIssuer!;
  let found = discovered.get(issuer);
  if (!found) {
    const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/wallet-openid-configuration`);
    const insecure = url.protocol === 'http:';
    found = oidc.discovery(url, config.pscClientId!, config.pscClientSecret ?? undefined, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
    // A provider down at first use must not be remembered as down forever.
    found.catch(() => discovered.delete(issuer));
    discovered.set(issuer, found);
  }
  return found;
}

function baseUrl(req: Request, ctx: Context): string {
  return ctx.config.publicUrl?.replace(/\/$/, '') ?? `http://${req.headers.get('host') ?? '127.0.0.1'}`;
}

/** PSC's national identifier is the RPPS, sometimes prefixed by its type (8 = RPPS). */
function rppsFrom(subjectNameId: unknown): string | null {
  if (typeof subjectNameId !== 'string') return null;
  if (/^8\d{11}$/.test(subjectNameId)) return subjectNameId.slice(1);
  return /^\d{11}$/.test(subjectNameId) ? subjectNameId : null;
}

function flowCookie(value: string, maxAge: number, secure: boolean): string {
  // Lax, not Strict: it must come back on the provider's top-level redirect to the callback.
  return `${FLOW_COOKIE}=${value}; Path=/api/auth/psc; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export const pscHandlers: Handlers<'pscStart' | 'pscCallback'> = {
  async pscStart(req, reply, ctx) {
    if (!ctx.config.pscIssuer || !ctx.config.pscClientId) {
      return reply.send(302, null, [['Location', '/connexion?psc=unconfigured']]);
    }
    let configuration: oidc.Configuration;
    try {
      configuration = await pscConfiguration(ctx.config);
    } catch {
      return reply.send(302, null, [['Location', '/connexion?psc=unavailable']]);
    }
    const now = Date.now();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const redirectUri = `${baseUrl(req, ctx)}/api/auth/psc/callback`;
    // In a cluster, kept where any node finds it: the provider's redirect may reach another one.
    if (!(await ctx.pscFlows.put(state, { verifier, nonce, redirectUri, expiresAt: now + FLOW_TTL_MS }, now))) {
      return reply.send(302, null, [['Location', '/connexion?psc=unavailable']]);
    }
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    reply.header('Set-Cookie', flowCookie(state, FLOW_TTL_MS / 1000, ctx.config.secureCookies));
    reply.send(302, null, [['Location', url.href]]);
  },
  async pscCallback(req, reply, ctx) {
    const fail = async (code: string, detail: string, actorId: string | null = null): Promise<void> => {
      await audit(ctx, { type: 'login.failure', actorId, method: 'psc', address: callerAddress(req, ctx), detail });
      reply.header('Set-Cookie', flowCookie('', 0, ctx.config.secureCookies));
      reply.send(302, null, [['Location', `/connexion?psc=${code}`]]);
    };
    const state = readCookie(req.headers.get('cookie'), FLOW_COOKIE);
    // Taken (removed) only when the query's state matches the cookie's, as before.
    const flow = state && req.query.get('state') === state ? await ctx.pscFlows.take(state) : null;
    if (!state || !flow) return fail('expired', 'parcours PSC inconnu ou expiré');
    if (req.query.get('error')) return fail('cancelled', 'refus chez le fournisseur');
    let rpps: string | null;
    try {
      const configuration = await pscConfiguration(ctx.config);
      const currentUrl = new URL(`${flow.redirectUri}?${req.query.toString()}`);
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || claims.acr !== 'eidas1') return fail('acr', `niveau d’authentification ${typeof claims?.acr === 'string' ? claims.acr : 'absent'}`);
      const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      rpps = rppsFrom(userinfo.SubjectNameID);
    } catch (error) {
      return fail('failed', `échange PSC : ${error instanceof Error ? error.message.slice(0, 120) : 'erreur'}`);
    }
    const user = rpps ? await ctx.store.users.byRpps(rpps) : undefined;
    if (!user) return fail('unknown', 'aucun compte pour ce RPPS');
    await completeLogin(req, reply, ctx, user, 'psc');
    reply.header('Set-Cookie', flowCookie('', 0, ctx.config.secureCookies));
    // A page, not a redirect: the session cookie is SameSite=Strict and would not ride on a
    // redirect chain that began at the provider; a same-site refresh carries it.
    reply.send(
      200,
      '<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/"><title>Connexion réussie — Relais</title></head>' +
        '<body><main><h1>Connexion réussie</h1><p><a href="/">Continuer vers Relais</a></p></main></body></html>',
      [
        ['Content-Type', 'text/html; charset=utf-8'],
        ['Cache-Control', 'no-store'],
      ],
    );
  },
};
