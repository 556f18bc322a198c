/**
 * #14 Readiness (GET /api/health/ready) on the real server, as a load balancer or an operator's
 * probe sees it: 200 with its checks when all is well; 503 with the reason when the PeerJS server
 * is stopped, a key file is gone, a channel's deliveries fail, or the disk refuses LMDB's writes.
 * GET /api/health (liveness) answers as before all along.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { dossierDocName } from '../schema/dossier.ts';
import { startPeerServer, type PeerServerHandle } from '../peer-server/index.ts';
import { freePort, startSeededServerProcess } from './testing/serverProcess.ts';
import { login, sessionHeaders, startRelais, synced, testLogger, waitFor, yClient, type Running } from './testing/harness.ts';
import { ficheField } from './testing/ficheField.ts';
import { CloseCode } from './sync/closeCodes.ts';
import { encodeSyncUpdate } from './sync/protocol.ts';

interface Ready {
  status: string;
  reasons: string[];
  checks: Record<string, { ok: boolean; reason?: string }>;
}

let relais: Running | null = null;
let peer: PeerServerHandle | null = null;
let child: ChildProcess | null = null;
let dataDir = '';

afterEach(async () => {
  await relais?.stop();
  relais = null;
  await peer?.close();
  peer = null;
  child?.kill('SIGKILL');
  child = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = '';
});

async function ready(http: string): Promise<{ status: number; body: Ready }> {
  const res = await fetch(`${http}/api/health/ready`);
  return { status: res.status, body: (await res.json()) as Ready };
}

/** Polls until the answer's status is `status` (the checks are kept one second). */
async function pollReady(http: string, status: number): Promise<Ready> {
  const started = Date.now();
  for (;;) {
    const answer = await ready(http);
    if (answer.status === status) return answer.body;
    if (Date.now() - started > 10_000) throw new Error(`readiness never answered ${status}: ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function liveness(http: string): Promise<unknown> {
  const res = await fetch(`${http}/api/health`);
  expect(res.status).toBe(200);
  return res.json();
}

async function startWithPeer(config: Parameters<typeof startRelais>[0] = {}): Promise<Running> {
  peer = await startPeerServer('127.0.0.1', 0, { ticketSecret: randomBytes(32), logger: testLogger });
  relais = await startRelais({ ...config, config: { peerPort: peer.port, ...config.config } });
  return relais;
}

describe('#14 readiness', () => {
  it('all is well: 200, every check passing, no reason', async () => {
    const { http } = await startWithPeer();
    const answer = await ready(http);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'ready',
      reasons: [],
      checks: { storage: { ok: true }, keys: { ok: true }, messaging: { ok: true, email: 'outbox', sms: 'outbox' }, peer: { ok: true } },
    });
    expect(await liveness(http)).toEqual({ status: 'ok' });
  });

  it('the PeerJS server stopped: 503 saying so; liveness unchanged', async () => {
    const { http } = await startWithPeer();
    expect((await ready(http)).status).toBe(200);
    await peer!.close();
    peer = null;
    const body = await pollReady(http, 503);
    expect(body.status).toBe('not_ready');
    expect(body.checks.peer!.ok).toBe(false);
    expect(body.reasons).toEqual([expect.stringContaining('PeerJS ne répond pas')]);
    expect(body.checks.storage!.ok && body.checks.keys!.ok && body.checks.messaging!.ok).toBe(true);
    expect(await liveness(http)).toEqual({ status: 'ok' });
  });

  it('a key file gone from the data dir: 503 naming it, until it is put back', async () => {
    const { http, dataDir: dir } = await startWithPeer();
    const key = join(dir, 'keys', 'blob.key');
    renameSync(key, `${key}.moved`);
    const body = await pollReady(http, 503);
    expect(body.reasons).toEqual([expect.stringContaining('keys/blob.key')]);
    renameSync(`${key}.moved`, key);
    expect((await pollReady(http, 200)).status).toBe('ready');
  });

  it('the SMS gateway failing: 503 saying the last SMS failed; 200 to a load balancer asking for the node alone', async () => {
    const closedPort = await freePort();
    const { http, server } = await startWithPeer({
      config: { smsGatewayUrl: `http://127.0.0.1:${closedPort}/sms` },
      messagingRetryDelaysMs: [600_000],
    });
    expect((await ready(http)).body.checks.messaging).toEqual({ ok: true, email: 'outbox', sms: 'sms-gateway' });
    const record = await server.messaging.sendSms({ to: '+33612345678', text: 'Votre code : 123456', purpose: 'login-code' });
    expect(record.status).toBe('pending');
    const body = await pollReady(http, 503);
    expect(body.reasons).toEqual([expect.stringContaining('SMS')]);
    expect(body.checks.messaging!.ok).toBe(false);
    // The gateway is every node's: HAProxy's check (scope=node) keeps this node in, and still sees why.
    const forProxy = await fetch(`${http}/api/health/ready?scope=node`);
    const proxyBody = (await forProxy.json()) as Ready;
    expect(forProxy.status).toBe(200);
    expect(proxyBody.checks.messaging!.ok).toBe(false);
    // A value the route does not know is refused, not taken for the full check.
    expect((await fetch(`${http}/api/health/ready?scope=cluster`)).status).toBe(400);
  });

  it('the disk refusing writes (file-size limit, as full): 503 saying storage fails', { timeout: 60_000 }, async () => {
    peer = await startPeerServer('127.0.0.1', 0, { ticketSecret: randomBytes(32), logger: testLogger });
    const started = await startSeededServerProcess({ PEER_PORT: String(peer.port) });
    ({ dataDir, child } = started);
    const { demo, http, ws } = started;
    expect((await ready(http)).status).toBe(200);

    const docName = dossierDocName(demo.consultations[0]!.id);
    const token = await login(http, 'dr.demo');
    const first = yClient(ws, docName, token);
    await waitFor(() => synced(first), 10_000, 'sync');
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(first.doc));
    first.destroy();
    const writer = new WebSocket(`${ws}/sync/${docName}`, { headers: sessionHeaders(token) });
    await new Promise((resolve, reject) => writer.once('open', resolve).once('error', reject));
    let closeCode: number | null = null;
    writer.once('close', (code) => (closeCode = code));
    source.on('update', (u: Uint8Array) => {
      if (writer.readyState === WebSocket.OPEN) writer.send(encodeSyncUpdate(u));
    });

    // From now on the server's files may grow by a few edits, no more (storageFull.integration.test.ts).
    const size = statSync(join(dataDir, 'lmdb', 'data.mdb')).size;
    execFileSync('prlimit', ['--pid', String(child.pid), `--fsize=${size + 200_000}`]);
    for (let sent = 0; sent < 400 && closeCode === null; sent++) {
      ficheField(source).insert(ficheField(source).length, `[${sent}]${'x'.repeat(20_000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => closeCode !== null, 10_000, 'the writer closed');
    expect(closeCode).toBe(CloseCode.StorageFailed);

    const body = await pollReady(http, 503);
    expect(body.checks.storage!.ok).toBe(false);
    expect(body.reasons).toEqual([expect.stringContaining('stockage')]);
    expect(body.checks.peer!.ok).toBe(true);
    expect(await liveness(http)).toEqual({ status: 'ok' });
  });
});
