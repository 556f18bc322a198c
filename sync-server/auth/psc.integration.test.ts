/**
 * SPEC §1.1.2 Pro Santé Connect against a real OpenID provider (npm oidc-provider) on loopback,
 * through the real server, following every redirect as a browser would.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelais, type Running } from '../testing/harness.ts';
import { startPscDevProvider, type PscDevProvider } from './pscDevProvider.ts';
import { pscDevAccounts } from './pscAccounts.ts';

let running: Running | null = null;
let provider: PscDevProvider | null = null;

afterEach(async () => {
  await running?.stop();
  await provider?.close();
  running = provider = null;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Cookies of 127.0.0.1 (ports share cookies, as in a browser). */
class Browser {
  readonly cookies = new Map<string, string>();
  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return res;
  }
  /** Follows redirects until a page answers; returns it with its URL. */
  async follow(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await this.get(url, init);
    while (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      res = await this.get(url);
    }
    return { res, url };
  }
}

async function setup(acr?: string, rpps = '10003456789'): Promise<{ browser: Browser; page: { res: Response; url: string } }> {
  const port = await freePort();
  const accounts: { store: Running['store'] | null } = { store: null };
  provider = await startPscDevProvider({
    redirectUris: [`http://127.0.0.1:${port}/api/auth/psc/callback`],
    acr,
    accounts: async () => (accounts.store ? await pscDevAccounts(accounts.store) : []).concat({ rpps: '10009999999', givenName: 'Inconnu', familyName: 'Relais' }),
  });
  running = await startRelais({ config: { port, pscIssuer: provider.issuer, pscClientId: provider.clientId, pscClientSecret: provider.clientSecret } });
  accounts.store = running.store;
  const browser = new Browser();
  const start = await browser.get(`${running.http}/api/auth/psc`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(provider.issuer);
  expect(authorize.searchParams.get('scope')).toBe('openid scope_all');
  expect(authorize.searchParams.get('acr_values')).toBe('eidas1');
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const form = await browser.follow(authorize.href);
  const html = await form.res.text();
  expect(html).toContain('Numéro RPPS');
  const action = new URL(/action="([^"]+)"/.exec(html)![1]!, form.url).href;
  const page = await browser.follow(action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ rpps }).toString(),
  });
  return { browser, page };
}

describe('§1.1.2 Pro Santé Connect', () => {
  it('§1.1.2 the provider serves its discovery document at PSC’s path', async () => {
    provider = await startPscDevProvider({ redirectUris: ['http://127.0.0.1:1/cb'], accounts: () => [] });
    const res = await fetch(`${provider.issuer}/.well-known/wallet-openid-configuration`);
    const doc = (await res.json()) as { issuer: string; scopes_supported: string[]; acr_values_supported: string[] };
    expect(doc.issuer).toBe(provider.issuer);
    expect(doc.scopes_supported).toContain('scope_all');
    expect(doc.acr_values_supported).toContain('eidas1');
  });

  it('§1.1.2 a professional types their RPPS, approves, and is logged in to the account with that RPPS', async () => {
    const { browser, page } = await setup();
    expect(page.url).toBe(`${running!.http}/api/auth/psc/callback?${new URL(page.url).searchParams.toString()}`);
    expect(page.res.status).toBe(200);
    expect(await page.res.text()).toContain('Connexion réussie');
    const session = browser.cookies.get('relais_session')!;
    const me = await fetch(`${running!.http}/api/session`, { headers: { Cookie: `relais_session=${session}` } });
    expect(((await me.json()) as { user: { identifier: string } }).user.identifier).toBe('dr.demo');
    const events = (await running!.store.audit.query({ actorId: running!.demo.doctor.id }));
    expect(events[0]).toMatchObject({ type: 'login.success', method: 'psc' });
  });

  it('§1.1.2 an acr other than eidas1 is refused', async () => {
    const { browser, page } = await setup('eidas0');
    expect(page.url).toBe(`${running!.http}/connexion?psc=acr`);
    expect(browser.cookies.get('relais_session') ?? '').toBe('');
    expect((await running!.store.audit.query({}))[0]).toMatchObject({ type: 'login.failure', method: 'psc' });
  });

  it('§1.1.2 an RPPS with no Relais account is refused', async () => {
    const { browser, page } = await setup(undefined, '10009999999');
    expect(page.url).toBe(`${running!.http}/connexion?psc=unknown`);
    expect(browser.cookies.get('relais_session') ?? '').toBe('');
  });

  it('§1.1.2 a callback without the flow started in this browser is refused', async () => {
    running = await startRelais();
    const res = await fetch(`${running.http}/api/auth/psc/callback?code=x&state=y`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/connexion?psc=expired');
  });
});
