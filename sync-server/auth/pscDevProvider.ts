/**
 * A local stand-in issuer for Pro Santé Connect in development and tests: a real, standards-
 * compliant OpenID provider (npm oidc-provider), configured with PSC's quirks — discovery at
 * `/.well-known/wallet-openid-configuration`, the `scope_all` scope carrying `SubjectNameID` (the
 * RPPS) and `SubjectRefPro`, and an `acr` of `eidas1`. Its login page asks for an RPPS number, as
 * PSC does before the e-CPS app approves. `acr` is a setting, and the page offers a lower level
 * too, so that the refusal of a weak login can be tried in a browser.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Configuration } from 'oidc-provider';
import { sharedLogger } from '../log.ts';

export interface PscDevAccount {
  rpps: string;
  givenName: string;
  familyName: string;
}

export interface PscDevProviderOptions {
  host?: string;
  port?: number;
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
  /** The acr every login gets. Default eidas1. */
  acr?: string;
  /** Known professionals; an RPPS not listed is refused on the provider's page. */
  accounts: () => PscDevAccount[] | Promise<PscDevAccount[]>;
}

export interface PscDevProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** A level below PSC's: offered on the stand-in's page so that a refusal can be tried by hand. */
const LOW_ACR = 'eidas0';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startPscDevProvider(options: PscDevProviderOptions): Promise<PscDevProvider> {
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? 'relais-dev';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const acr = options.acr ?? 'eidas1';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    scopes: ['openid', 'scope_all'],
    claims: { openid: ['sub'], scope_all: ['SubjectNameID', 'SubjectRefPro', 'given_name', 'family_name'] },
    acrValues: [...new Set(['eidas1', 'eidas2', 'eidas3', LOW_ACR, acr])],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // A fresh signing key per start: tokens of this stand-in never outlive it.
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' }] },
    ttl: { Interaction: 600, Session: 3600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = (await options.accounts()).find((a) => a.rpps === id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          SubjectNameID: id,
          SubjectRefPro: { codeCivilite: 'DR', exercices: [{ codeProfession: '10', codeCategorieProfessionnelle: 'C' }] },
          given_name: account.givenName,
          family_name: account.familyName,
        }),
      };
    },
    // PSC grants its scope once the professional approves on the e-CPS app: no consent page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid scope_all');
      await grant.save();
      return grant;
    },
  };
  const provider = await quietly(async () => new (await import('oidc-provider')).default(issuer, configuration));
  const callback = provider.callback();

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname === '/.well-known/wallet-openid-configuration') {
        req.url = '/.well-known/openid-configuration';
        return callback(req, res);
      }
      const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (!match) return callback(req, res);
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(
          page(
            'Pro Santé Connect (fournisseur local de développement)',
            `<form method="post" action="/interaction/${escape(details.uid)}">
<p><label for="rpps">Numéro RPPS</label> <input id="rpps" name="rpps" inputmode="numeric" autocomplete="username" required></p>
<p><label for="acr">Niveau d’authentification renvoyé (fournisseur de développement)</label>
<select id="acr" name="acr"><option value="${escape(acr)}" selected>${escape(acr)}</option>${acr === LOW_ACR ? '' : `<option value="${LOW_ACR}">${LOW_ACR} (insuffisant)</option>`}</select></p>
<button type="submit">Valider sur l’application e-CPS</button></form>`,
          ),
        );
        return;
      }
      const form = await readForm(req);
      const rpps = form.get('rpps')?.trim() ?? '';
      const chosenAcr = form.get('acr') === LOW_ACR ? LOW_ACR : acr;
      if (!(await options.accounts()).some((a) => a.rpps === rpps)) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page('Pro Santé Connect', `<p role="alert">Numéro RPPS inconnu.</p><p><a href="/interaction/${escape(details.uid)}">Réessayer</a></p>`));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: rpps, acr: chosenAcr } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Erreur du fournisseur : ${error instanceof Error ? error.message : 'erreur'}`);
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `create` with oidc-provider's start-up warnings (Node 20 «unsupported runtime», the in-memory
 * adapter and keys of a quick start) sent to the debug log: they describe exactly this stand-in,
 * local and for development, and a newcomer's first start read them as errors. Anything else
 * printed meanwhile goes through.
 */
async function quietly<T>(create: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING')) sharedLogger().debug(args[0]);
    else warn(...args);
  };
  try {
    return await create();
  } finally {
    console.warn = warn;
  }
}
