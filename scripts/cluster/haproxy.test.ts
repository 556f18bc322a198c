/**
 * The routing rules of the generated HAProxy configuration, on a real HAProxy (Debian's) in front
 * of three small HTTP + WebSocket servers that stand for the nodes (each answers with its name):
 * a document's sockets meet on one node, a call's peers on one peer server, the rest goes round;
 * a node that dies or says it is not ready is left within about two seconds.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { issuePeerTicket } from '../../sync-server/auth/peerTicket.ts';
import { freePort, installed, startHaproxy, type Haproxy } from './engines.ts';
import { haproxyConfig, type HaproxyNode } from './haproxy.ts';

/** One listening server (HTTP and WebSocket) that answers with its node's name. */
class Listener {
  private server: Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true });
  readonly seen: { path: string; forwardedFor: string | undefined }[] = [];
  ready = true;
  lastCheck: { version: string; host: string | undefined } | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly healthPath: string,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url === this.healthPath) {
        this.lastCheck = { version: req.httpVersion, host: req.headers.host };
        res.writeHead(this.ready ? 200 : 503).end();
        return;
      }
      this.seen.push({ path: req.url ?? '', forwardedFor: req.headers['x-forwarded-for'] as string | undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node: this.name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
    });
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => ws.send(this.name));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** A crash: every connection cut, the port refused until `listen` again. */
  async kill(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Node {
  name: string;
  http: Listener;
  peer: Listener;
}

const available = installed('haproxy');
let haproxy: Haproxy;
const nodes: Node[] = [];

beforeAll(async () => {
  if (!available) return;
  for (const name of ['node-1', 'node-2', 'node-3']) {
    const node = { name, http: new Listener(name, await freePort(), '/api/health/ready?scope=node'), peer: new Listener(name, await freePort(), '/peerjs') };
    await node.http.listen();
    await node.peer.listen();
    nodes.push(node);
  }
  const spec: HaproxyNode[] = nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.http.port, peerPort: n.peer.port }));
  haproxy = await startHaproxy(haproxyConfig({ bind: `127.0.0.1:${await freePort()}`, nodes: spec }));
  await waitUntil(async () => (await upCount()) === 9, 5_000);
});

afterAll(async () => {
  await haproxy?.stop();
  for (const node of nodes) await Promise.all([node.http.kill(), node.peer.kill()]);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Servers HAProxy sees as up, over the three backends (3 per node) (`show servers state`: srv_op_state 2). */
async function upCount(): Promise<number> {
  const state = await haproxy.command('show servers state');
  return state.split('\n').filter((line) => /^\d+ relais_/.test(line) && line.split(' ')[5] === '2').length;
}

/** The node a WebSocket through the proxy lands on (its first message), or null when refused. */
function landsOn(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${haproxy.port}${path}`);
    ws.once('message', (data: Buffer) => {
      resolve(data.toString());
      ws.close();
    });
    ws.once('error', () => resolve(null));
    ws.once('unexpected-response', () => resolve(null));
  });
}

const peerPath = (consultationId: string): string => {
  const { ticket, token } = issuePeerTicket(secret, { consultationId, participant: { kind: 'guest', id: randomBytes(4).toString('hex') } });
  return `/peerjs/peerjs?key=peerjs&id=${ticket.peerId}&token=${encodeURIComponent(token)}&version=1.5.5`;
};
const secret = randomBytes(32);

// Skipped where Debian's haproxy is missing (a developer's machine); .ci/run installs it.
describe.skipIf(!available)('HAProxy in front of three nodes', () => {
  it('routes every socket of one document to the same node, and spreads documents over the nodes', async () => {
    const first = await landsOn('/sync/dossier:c-0001');
    expect(first).toMatch(/^node-/);
    for (let i = 0; i < 4; i += 1) expect(await landsOn('/sync/dossier:c-0001')).toBe(first);
    // The query (a token, a version) does not move a document.
    expect(await landsOn('/sync/dossier:c-0001?v=2')).toBe(first);
    const owners = new Set<string | null>();
    for (let i = 0; i < 24; i += 1) owners.add(await landsOn(`/sync/dossier:c-${1000 + i}`));
    expect(owners).toEqual(new Set(['node-1', 'node-2', 'node-3']));
  });

  it('routes the peers of one consultation to one peer server, other consultations elsewhere', async () => {
    const call = new Set<string | null>();
    for (let i = 0; i < 5; i += 1) call.add(await landsOn(peerPath('consultation-a')));
    expect(call.size).toBe(1);
    expect([...call][0]).toMatch(/^node-/);
    const servers = new Set<string | null>();
    for (let i = 0; i < 24; i += 1) servers.add(await landsOn(peerPath(`consultation-${i}`)));
    expect(servers).toEqual(new Set(['node-1', 'node-2', 'node-3']));
  });

  it('checks each node with HTTP/1.1 and a Host header (uWebSockets.js leaves an HTTP/1.0 check unanswered)', async () => {
    // Servers start up; their first check comes within a second.
    await waitUntil(() => Promise.resolve(nodes.every((n) => n.http.lastCheck && n.peer.lastCheck)), 3_000);
    for (const node of nodes) {
      expect(node.http.lastCheck).toEqual({ version: '1.1', host: 'relais' });
      expect(node.peer.lastCheck).toEqual({ version: '1.1', host: 'relais' });
    }
  });

  it('sends everything else round-robin, with X-Forwarded-For', async () => {
    const answers: { node: string; forwardedFor: string | null }[] = [];
    for (let i = 0; i < 6; i += 1) answers.push((await (await fetch(`${haproxy.url}/api/session`)).json()) as { node: string; forwardedFor: string | null });
    expect(new Set(answers.map((a) => a.node))).toEqual(new Set(['node-1', 'node-2', 'node-3']));
    expect(answers.every((a) => a.forwardedFor === '127.0.0.1')).toBe(true);
  });

  it('a killed node: its document moves to another node at once, and back when it returns', async () => {
    const doc = '/sync/dossier:c-0042';
    const owner = nodes.find((n) => n.name === 'node-2')!;
    // A document node-2 holds.
    let path = doc;
    for (let i = 0; (await landsOn(path)) !== owner.name; i += 1) path = `${doc}-${i}`;
    const ws = new WebSocket(`ws://127.0.0.1:${haproxy.port}${path}`);
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const killedAt = Date.now();
    await Promise.all([owner.http.kill(), owner.peer.kill()]);
    await closed;
    // The client reconnects: refused by node-2, the connection is redispatched to another node.
    const next = await landsOn(path);
    expect(next).toMatch(/^node-[13]$/);
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    // Once HAProxy has marked node-2 down (2 failed checks, 1 s apart), the document stays on one node.
    await waitUntil(async () => (await upCount()) === 6, 4_000);
    for (let i = 0; i < 3; i += 1) expect(await landsOn(path)).toBe(next);
    // Back after one good check: new sockets of its documents go to it again.
    await owner.http.listen();
    await owner.peer.listen();
    await waitUntil(async () => (await upCount()) === 9, 4_000);
    expect(await landsOn(path)).toBe(owner.name);
  });

  it('a node that says it is not ready is left within about two seconds, its sockets cut', async () => {
    const owner = nodes.find((n) => n.name === 'node-3')!;
    let path = '/sync/room:c-7';
    for (let i = 0; (await landsOn(path)) !== owner.name; i += 1) path = `/sync/room:c-7-${i}`;
    const ws = new WebSocket(`ws://127.0.0.1:${haproxy.port}${path}`);
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const at = Date.now();
    owner.http.ready = false;
    await closed;
    expect(Date.now() - at).toBeLessThan(2_500);
    expect(await landsOn(path)).toMatch(/^node-[12]$/);
    owner.http.ready = true;
    await waitUntil(async () => (await upCount()) === 9, 4_000);
  });

  it('reloads a new configuration without dropping open sockets', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${haproxy.port}/sync/dossier:c-0001`);
    await new Promise((resolve) => ws.once('message', resolve));
    const spec: HaproxyNode[] = nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.http.port, peerPort: n.peer.port }));
    await haproxy.reload(haproxyConfig({ bind: `127.0.0.1:${haproxy.port}`, nodes: spec, revealNode: true }));
    const res = await fetch(`${haproxy.url}/api/session`);
    expect(res.headers.get('x-relais-node')).toBe(((await res.json()) as { node: string }).node);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
