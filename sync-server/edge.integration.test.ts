/**
 * #11 «No request can crash the process» and «Session tokens never travel in URLs»: the sync
 * server runs in its own process, so that a throw past a uWS handler shows as what it is in
 * production (the process exits and REST, sync and calls go down with it), not as a test error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { dossierDocName } from '../schema/dossier.ts';
import { roomDocName } from '../schema/room.ts';
import { login, prng, sessionHeaders } from './testing/harness.ts';
import { startSeededServerProcess, type SeededServerProcess } from './testing/serverProcess.ts';
import { fuzzRequest, rawExchange, rawRequest, upgradeHeaders, type FuzzTarget } from './testing/requestFuzz.ts';
import { SESSION_COOKIE } from './auth/sessions.ts';

let relais: SeededServerProcess;
let exited: string | null = null;
let serverLog = '';

beforeAll(async () => {
  relais = await startSeededServerProcess();
  relais.child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  relais.child.stderr!.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  relais.child.stdout!.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
});
afterAll(() => {
  relais.child.kill('SIGKILL');
  rmSync(relais.dataDir, { recursive: true, force: true });
});

/** The server still serves: its process runs and GET /api/health answers 200. */
async function healthStatus(): Promise<number | string> {
  if (exited) return exited;
  try {
    return (await fetch(`${relais.http}/api/health`)).status;
  } catch (error) {
    return `no answer (${exited ?? (error as Error).message})`;
  }
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', (e) => {
      if (!String(e.message).includes('Unexpected server response')) reject(e);
    });
  });
}

describe('#11 no request stops the server', () => {
  it('a WebSocket upgrade with a malformed session cookie (relais_session=%) is refused and the server keeps serving', async () => {
    const answer = await rawExchange(
      relais.port,
      rawRequest(['GET /sync/dossier/x HTTP/1.1', 'Host: 127.0.0.1', ...upgradeHeaders(), `Cookie: ${SESSION_COOKIE}=%`]),
      2000,
    );
    expect(await healthStatus()).toBe(200);
    expect(answer.status).toBe(401);
  });

  it('a malformed cookie or percent-escape on a REST request answers, and the server keeps serving', async () => {
    const cookie = await rawExchange(relais.port, rawRequest(['GET /api/session HTTP/1.1', 'Host: 127.0.0.1', `Cookie: ${SESSION_COOKIE}=%E0%A4%A`]), 2000);
    expect(cookie.status).toBe(401);
    const path = await rawExchange(relais.port, rawRequest(['GET /api/consultations/%zz HTTP/1.1', 'Host: 127.0.0.1']), 2000);
    expect(path.status).toBe(400);
    expect(await healthStatus()).toBe(200);
  });
});

describe('#11 §9 session tokens never travel in URLs', () => {
  it('an upgrade with ?token=<session token> and no cookie is refused with 401; the same token as a cookie opens the document', async () => {
    const token = await login(relais.http, 'ide.demo');
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}?token=${token}`)).toBe(401);
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}`, sessionHeaders(token))).toBe(101);
  });
});

/**
 * An upgrade with a real session that then sends bytes no WebSocket client would (bad frames,
 * a close mid-frame): what reaches the open, message and close handlers.
 */
function badFramesAfterUpgrade(path: string, cookie: string, junk: Buffer): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: relais.port });
    let status: number | null = null;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(done, 1000);
    socket.once('connect', () => socket.write(rawRequest([`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...upgradeHeaders(), `Cookie: ${cookie}`])));
    socket.on('data', (chunk: Buffer) => {
      if (status !== null) return;
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0);
      if (status !== 101) return done();
      socket.write(junk);
      setTimeout(done, 30);
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

describe('#11 fuzzed requests at the edge', () => {
  it('malformed request lines, headers, cookies, paths, queries, methods and UTF-8 at the HTTP and WebSocket endpoints never stop the server', { timeout: 60_000 }, async () => {
    const consultationId = relais.demo.consultations[0]!.id;
    const target: FuzzTarget = {
      paths: ['/api/health', '/api/session', `/api/consultations/${consultationId}`, '/api/patients', '/', '/consultation/x', `/sync/${dossierDocName(consultationId)}`],
      upgradePaths: [`/sync/${dossierDocName(consultationId)}`, `/sync/${roomDocName(consultationId)}`, '/sync/activity/x', '/sync/', '/api/health'],
      cookieNames: [SESSION_COOKIE, 'relais_psc_flow'],
      queryNames: ['token', 'invitation', 'name', 'q'],
    };
    const cookie = `${SESSION_COOKIE}=${await login(relais.http, 'dr.demo')}`;
    const rand = prng(11);
    const byKind: Record<string, number> = {};
    const serverErrors: string[] = [];
    let opened = 0;
    for (let batch = 0; batch < 15; batch++) {
      const requests = Array.from({ length: 20 }, () => fuzzRequest(rand, target));
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      const [answers, upgraded] = await Promise.all([
        Promise.all(requests.map((r) => rawExchange(relais.port, r.bytes))),
        badFramesAfterUpgrade(pick(rand, target.upgradePaths.slice(0, 2)), cookie, junk),
      ]);
      if (upgraded === 101) opened++;
      requests.forEach((r, i) => {
        byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
        if ((answers[i]!.status ?? 0) >= 500) serverErrors.push(`${r.kind}: ${answers[i]!.statusLine}`);
      });
      expect(await healthStatus(), `after batch ${batch}`).toBe(200);
    }
    // Every kind was met, and the sockets with a real session really reached the message handler.
    expect(Object.keys(byKind).length).toBeGreaterThanOrEqual(12);
    expect(opened).toBeGreaterThan(0);
    // Nothing a request carries is an internal error: it is refused for what it is.
    expect(serverErrors).toEqual([]);
  });

  it('what a refused request carried is not written to the server’s log', async () => {
    const canary = 'Dupont-Canary-0612345678';
    await rawExchange(
      relais.port,
      rawRequest([`GET /sync/dossier/x?invitation=${canary}% HTTP/1.1`, 'Host: 127.0.0.1', ...upgradeHeaders(), `Cookie: ${SESSION_COOKIE}=${canary}%`, `X-Patient: ${canary}`]),
      1000,
    );
    await rawExchange(relais.port, rawRequest([`GET /api/${canary}%zz HTTP/1.1`, 'Host: 127.0.0.1', `Cookie: ${SESSION_COOKIE}=%${canary}`]), 1000);
    expect(await healthStatus()).toBe(200);
    expect(serverLog).not.toContain(canary);
  });
});

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
