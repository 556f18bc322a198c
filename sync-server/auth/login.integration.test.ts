/**
 * SPEC §1 through the real server: password lockout, the per-address rate limit, strong
 * authentication codes (by a real SMTP server, an HTTP SMS sink, the outbox), sessions and CSRF.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSync } from 'otplib';
import WebSocket from 'ws';
import { login, sessionHeaders, startRelais, type Running } from '../testing/harness.ts';
import { startSmsSink, startSmtpSink, type SmsSink, type SmtpSink } from '../testing/messageSinks.ts';
import { outboxDir } from '../messaging/index.ts';
import { CODE_TTL_MS } from './loginCodes.ts';

let running: Running | null = null;
let smtp: SmtpSink | null = null;
let sms: SmsSink | null = null;

afterEach(async () => {
  await running?.stop();
  await smtp?.close();
  await sms?.close();
  running = smtp = sms = null;
});

async function post(http: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${http}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const cookieOf = (res: Response): string | null => /relais_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? null;

async function me(http: string, token: string): Promise<number> {
  return (await fetch(`${http}/api/session`, { headers: { Cookie: `relais_session=${token}` } })).status;
}

describe('§1.1.4 identifiant / mot de passe', () => {
  it('§1 five wrong passwords lock the account for 15 minutes, audited', async () => {
    running = await startRelais();
    for (let i = 0; i < 4; i++) {
      const res = await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'mauvais' });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toBe('Identifiant ou mot de passe incorrect.');
    }
    const fifth = await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'mauvais' });
    expect(fifth.status).toBe(429);
    // Even the right password is refused while locked.
    const right = await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' });
    expect(right.status).toBe(429);
    const body = (await right.json()) as { error: string; message: string };
    expect(body.error).toBe('account_locked');
    expect(body.message).toMatch(/verrouillé.*15 minutes/);
    // The other account is untouched.
    expect(await me(running.http, await login(running.http, 'ide.demo'))).toBe(200);
    const events = (await running.store.audit.query({ actorId: running.demo.doctor.id }));
    expect(events.filter((e) => e.type === 'login.failure')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'login.locked')).toHaveLength(1);
    expect(events.some((e) => e.type === 'login.success')).toBe(false);
  });

  it('§1 the lock ends after 15 minutes', async () => {
    running = await startRelais();
    for (let i = 0; i < 5; i++) await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'mauvais' });
    const state = (await running.store.authState.get(running.demo.doctor.id));
    expect(state.lockedUntil).toBeGreaterThan(Date.now() + 14 * 60_000);
    await running.store.authState.put(running.demo.doctor.id, { ...state, lockedUntil: Date.now() - 1 });
    expect((await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' })).status).toBe(200);
  });

  it('§1 one address failing 20 times is slowed down whatever the identifiers', async () => {
    running = await startRelais();
    for (let i = 0; i < 20; i++) {
      expect((await post(running.http, '/api/session', { identifier: `inconnu${i}`, password: 'x' })).status).toBe(401);
    }
    const res = await post(running.http, '/api/session', { identifier: 'ide.demo', password: 'relais-demo' });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: string }).error).toBe('rate_limited');
    expect((await running.store.audit.query({})).filter((e) => e.type === 'login.failure' && e.actorId === null)).toHaveLength(20);
  });

  it('§1 behind a trusted proxy the limit applies per caller (X-Forwarded-For), not to the proxy', async () => {
    running = await startRelais({ config: { trustProxy: true } });
    for (let i = 0; i < 20; i++) {
      await post(running.http, '/api/session', { identifier: `inconnu${i}`, password: 'x' }, { 'X-Forwarded-For': '203.0.113.7' });
    }
    expect((await post(running.http, '/api/session', { identifier: 'ide.demo', password: 'relais-demo' }, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(429);
    expect((await post(running.http, '/api/session', { identifier: 'ide.demo', password: 'relais-demo' }, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    expect((await running.store.audit.query({})).find((e) => e.type === 'login.success')?.address).toBe('198.51.100.2');
  });

  it('§1.1.4 an establishment that forbids password-only login refuses it, and strong authentication still works', async () => {
    running = await startRelais();
    const establishment = (await running.store.establishments.get(running.demo.establishmentId))!;
    await running.store.establishments.put({ ...establishment, passwordLoginForbidden: true });
    const res = await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' });
    expect(res.status).toBe(403);
    expect(cookieOf(res)).toBeNull();
    expect(((await res.json()) as { message: string }).message).toContain('Authentification forte');
    const challenge = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'sms' });
    expect(challenge.status).toBe(200);
  });
});

describe('§1.1.3 authentification forte', () => {
  function codeFromOutbox(dataDir: string): string {
    const files = readdirSync(outboxDir(dataDir)).sort();
    const content = readFileSync(`${outboxDir(dataDir)}/${files[files.length - 1]}`, 'utf8');
    return /\b(\d{6})\b/.exec(content)![1]!;
  }

  it('§1.1.3 the code arrives by email through a real SMTP server and logs in once', async () => {
    smtp = await startSmtpSink();
    running = await startRelais({ config: { smtpUrl: smtp.url } });
    const res = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'email' });
    expect(res.status).toBe(200);
    const challenge = (await res.json()) as { challengeId: string; destination: string };
    expect(challenge.destination).toBe('c•••@example.org');
    expect(cookieOf(res)).toBeNull();
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toMatchObject({ text: 'claire.martin@example.org' });
    const code = /\b(\d{6})\b/.exec(smtp.mails[0]!.text ?? '')![1]!;
    const ok = await post(running.http, '/api/session/code', { challengeId: challenge.challengeId, code });
    expect(ok.status).toBe(200);
    expect(await me(running.http, cookieOf(ok)!)).toBe(200);
    // Single use.
    const again = await post(running.http, '/api/session/code', { challengeId: challenge.challengeId, code });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('code_expired');
    expect((await running.store.audit.query({ actorId: running.demo.doctor.id })).map((e) => e.type)).toEqual(
      expect.arrayContaining(['login.code-sent', 'login.success']),
    );
  });

  it('§1.1.3 the code arrives by SMS through the HTTP gateway', async () => {
    sms = await startSmsSink();
    running = await startRelais({ config: { smsGatewayUrl: sms.url } });
    const res = await post(running.http, '/api/session/challenge', { identifier: 'ide.demo', password: 'relais-demo', channel: 'sms' });
    const challenge = (await res.json()) as { challengeId: string; destination: string };
    expect(challenge.destination).toBe('+336 •• •• •• 88');
    expect(sms.messages).toHaveLength(1);
    expect(sms.messages[0]!.to).toBe('+33655667788');
    const code = /\b(\d{6})\b/.exec(sms.messages[0]!.text)![1]!;
    expect((await post(running.http, '/api/session/code', { challengeId: challenge.challengeId, code })).status).toBe(200);
  });

  it('§1.1.3 with neither configured the code lands in the outbox', async () => {
    running = await startRelais();
    const res = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'sms' });
    const { challengeId } = (await res.json()) as { challengeId: string };
    const code = codeFromOutbox(running.dataDir);
    expect((await post(running.http, '/api/session/code', { challengeId, code })).status).toBe(200);
  });

  it('§1.1.3 a code expires after 5 minutes', async () => {
    running = await startRelais();
    const res = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'email' });
    const { challengeId } = (await res.json()) as { challengeId: string };
    const code = codeFromOutbox(running.dataDir);
    const stored = (await running.store.loginChallenges.get(challengeId))!;
    expect(stored.expiresAt - Date.now()).toBeLessThanOrEqual(CODE_TTL_MS);
    await running.store.loginChallenges.put(challengeId, { ...stored, expiresAt: Date.now() - 1 });
    const late = await post(running.http, '/api/session/code', { challengeId, code });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { message: string }).message).toContain('expiré');
  });

  it('§1.1.3 five wrong codes and the right one no longer works', async () => {
    running = await startRelais();
    const res = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'email' });
    const { challengeId } = (await res.json()) as { challengeId: string };
    const code = codeFromOutbox(running.dataDir);
    const wrong = code === '000000' ? '111111' : '000000';
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) messages.push(((await (await post(running.http, '/api/session/code', { challengeId, code: wrong })).json()) as { message: string }).message);
    expect(messages[0]).toBe('Code incorrect. Il vous reste 4 essais.');
    expect(messages[3]).toBe('Code incorrect. Il vous reste 1 essai.');
    expect(messages[4]).toContain('Trop d’essais');
    const right = await post(running.http, '/api/session/code', { challengeId, code });
    expect(right.status).toBe(401);
    expect(cookieOf(right)).toBeNull();
  });

  it('§1.1.3 an enrolled authenticator app (TOTP) gives codes that log in once each', async () => {
    running = await startRelais();
    const token = await login(running.http, 'dr.demo');
    const auth = { Cookie: `relais_session=${token}` };
    const enrol = await post(running.http, '/api/account/totp', {}, auth);
    const { secret, qrSvg, uri } = (await enrol.json()) as { secret: string; qrSvg: string; uri: string };
    expect(qrSvg).toContain('<svg');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Relais:dr\.demo\?/);
    expect((await post(running.http, '/api/account/totp/confirm', { code: '000000' === generateSync({ secret }) ? '111111' : '000000' }, auth)).status).toBe(400);
    expect((await running.store.authState.get(running.demo.doctor.id)).totpPending).toBe(secret);
    expect((await post(running.http, '/api/account/totp/confirm', { code: generateSync({ secret }) }, auth)).status).toBe(200);
    // Confirming consumed this 30-second step's code; forget that so the test need not wait for the next step.
    await running.store.authState.put(running.demo.doctor.id, { ...(await running.store.authState.get(running.demo.doctor.id)), totpLastStep: 0 });

    const start = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'totp' });
    const { challengeId, destination } = (await start.json()) as { challengeId: string; destination: string | null };
    expect(destination).toBeNull();
    const code = generateSync({ secret });
    expect((await post(running.http, '/api/session/code', { challengeId, code })).status).toBe(200);
    // The same code again, in a new challenge: a replay, refused.
    const second = (await (await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'totp' })).json()) as { challengeId: string };
    expect((await post(running.http, '/api/session/code', { challengeId: second.challengeId, code })).status).toBe(401);
  });

  it('§1.1.3 the TOTP channel is refused until an app is enrolled', async () => {
    running = await startRelais();
    const res = await post(running.http, '/api/session/challenge', { identifier: 'dr.demo', password: 'relais-demo', channel: 'totp' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain('Aucune application');
  });
});

describe('§1 sessions and CSRF', () => {
  it('§1 each login gets a new session id and ends the one the browser held', async () => {
    running = await startRelais();
    const first = await login(running.http, 'dr.demo');
    const res = await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' }, { Cookie: `relais_session=${first}` });
    const second = cookieOf(res)!;
    expect(second).not.toBe(first);
    expect(await me(running.http, first)).toBe(401);
    expect(await me(running.http, second)).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('§1 a forged or replayed-after-logout cookie is refused', async () => {
    running = await startRelais();
    expect(await me(running.http, 'A'.repeat(43))).toBe(401);
    const token = await login(running.http, 'dr.demo');
    const out = await fetch(`${running.http}/api/session`, { method: 'DELETE', headers: { Cookie: `relais_session=${token}` } });
    expect(out.status).toBe(204);
    expect(await me(running.http, token)).toBe(401);
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${running!.ws}/sync/dossier/${running!.demo.consultations[0]!.id}`, { headers: sessionHeaders(token) });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
    });
    expect(status).toBe(401);
  });

  it('§1 «se déconnecter partout» ends every session of the account', async () => {
    running = await startRelais();
    const a = await login(running.http, 'dr.demo');
    const b = await login(running.http, 'dr.demo');
    const nurse = await login(running.http, 'ide.demo');
    const res = await fetch(`${running.http}/api/sessions`, { method: 'DELETE', headers: { Cookie: `relais_session=${a}` } });
    expect(res.status).toBe(204);
    expect(await me(running.http, a)).toBe(401);
    expect(await me(running.http, b)).toBe(401);
    expect(await me(running.http, nurse)).toBe(200);
  });

  it('§1 a state-changing request from another origin is refused and changes nothing', async () => {
    running = await startRelais();
    const token = await login(running.http, 'dr.demo');
    const evil = { Cookie: `relais_session=${token}`, Origin: 'https://evil.example' };
    const res = await post(running.http, '/api/account/password', { current: 'relais-demo', next: 'un-autre-mot-de-passe' }, evil);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('origine');
    const logout = await fetch(`${running.http}/api/sessions`, { method: 'DELETE', headers: evil });
    expect(logout.status).toBe(403);
    expect(await me(running.http, token)).toBe(200);
    expect((await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' })).status).toBe(200);
    // Same origin passes.
    const same = await post(running.http, '/api/account/password', { current: 'relais-demo', next: 'un-autre-mot-de-passe' }, { Cookie: `relais_session=${token}`, Origin: running.http });
    expect(same.status).toBe(200);
  });
});
