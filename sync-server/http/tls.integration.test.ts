/**
 * TLS_CERT / TLS_KEY switch the server to HTTPS and WSS (uWS SSLApp); over TLS every response
 * carries HSTS and the session cookie is Secure. The headers of issue 3 §7 on every response.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sessionHeaders, startRelais, tempDataDir, type Running } from '../testing/harness.ts';

let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

function selfSigned(): { cert: string; key: string } {
  const dir = tempDataDir();
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

function httpsCall(url: string, method: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, rejectUnauthorized: false, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('TLS and security headers', () => {
  it('TLS_CERT/TLS_KEY serve HTTPS and WSS, with HSTS and Secure cookies', async () => {
    const { cert, key } = selfSigned();
    running = await startRelais({ config: { tlsCert: cert, tlsKey: key } });
    const base = `https://127.0.0.1:${running.server.port}`;
    const health = await httpsCall(`${base}/api/health`, 'GET');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const login = await httpsCall(`${base}/api/session`, 'POST', JSON.stringify({ identifier: 'dr.demo', password: 'relais-demo' }));
    expect(login.status).toBe(200);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure/);
    const token = /relais_session=([^;]+)/.exec(cookie)![1]!;
    const opened = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(`wss://127.0.0.1:${running!.server.port}/sync/dossier/${running!.demo.consultations[0]!.id}`, { rejectUnauthorized: false, headers: sessionHeaders(token) });
      socket.on('open', () => {
        socket.close();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    expect(opened).toBe(true);
  });

  it('plain http on localhost: no HSTS, no Secure flag; CSP, no-referrer, nosniff and frame-ancestors everywhere', async () => {
    running = await startRelais();
    const res = await fetch(`${running.http}/api/health`);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:\/\//);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const login = await fetch(`${running.http}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: 'dr.demo', password: 'relais-demo' }) });
    expect(login.headers.get('set-cookie')).not.toContain('Secure');
  });
});
