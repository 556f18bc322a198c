/**
 * #11 «No request can crash the process», for the peer server: `npm start` runs it in the sync
 * server's process, so a request that stopped it would stop Relais. It runs here in a process of
 * its own and meets malformed requests on its /peerjs endpoints, odd query strings and tickets on
 * its WebSocket upgrade, and bad frames and messages from an admitted socket.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePeerTicket } from '../sync-server/auth/peerTicket.ts';
import { prng } from '../sync-server/testing/harness.ts';
import { fuzzRequest, rawExchange, rawRequest, upgradeHeaders, type FuzzTarget } from '../sync-server/testing/requestFuzz.ts';
import { startPeerServerProcess, type PeerServerProcess } from '../sync-server/testing/serverProcess.ts';

const secret = randomBytes(32);
let peer: PeerServerProcess;
let exited: string | null = null;

beforeAll(async () => {
  peer = await startPeerServerProcess(secret);
  peer.child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
});
afterAll(() => {
  peer.child.kill('SIGKILL');
});

/** The peer server still serves: its process runs and GET /peerjs answers 200. */
async function alive(): Promise<number | string> {
  if (exited) return exited;
  try {
    return (await fetch(`http://127.0.0.1:${peer.port}/peerjs`)).status;
  } catch (error) {
    return `no answer (${exited ?? (error as Error).message})`;
  }
}

/** An admitted signalling socket (a valid ticket) that then writes `bytes` as they are. */
function admittedThenWrite(bytes: Buffer[]): Promise<number | null> {
  const { ticket, token } = issuePeerTicket(secret, { consultationId: 'c1', participant: { kind: 'guest', id: 'g' } });
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: peer.port });
    let status: number | null = null;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(done, 1000);
    const path = `/peerjs/peerjs?key=peerjs&id=${ticket.peerId}&token=${encodeURIComponent(token)}&version=1.5.5`;
    socket.once('connect', () => socket.write(rawRequest([`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...upgradeHeaders()])));
    socket.on('data', (chunk: Buffer) => {
      if (status !== null) return;
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0);
      if (status !== 101) return done();
      for (const b of bytes) socket.write(b);
      setTimeout(done, 50);
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

/** A masked client frame (zero mask key) carrying `payload` with opcode `op`. */
function frame(op: number, payload: Buffer): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | op, 0x80 | len]);
  else if (len < 0x10000) head = Buffer.from([0x80 | op, 0x80 | 126, len >> 8, len & 0xff]);
  else {
    head = Buffer.alloc(10);
    head.writeUInt8(0x80 | op, 0);
    head.writeUInt8(0x80 | 127, 1);
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

describe('#11 no request stops the peer server', () => {
  it('fuzzed requests at /peerjs and its WebSocket upgrade leave the peer server answering', { timeout: 60_000 }, async () => {
    const target: FuzzTarget = {
      paths: ['/peerjs', '/peerjs/peerjs/id', '/peerjs/peerjs/peers', '/peerjs/%/id', '/'],
      upgradePaths: ['/peerjs/peerjs?key=peerjs&id=p1&token=x.y&version=1.5.5', '/peerjs/peerjs', '/peerjs/peerjs?id=%&token=%&key=%'],
      cookieNames: ['relais_session'],
      queryNames: ['id', 'token', 'key', 'version'],
    };
    const rand = prng(13);
    for (let batch = 0; batch < 10; batch++) {
      const requests = Array.from({ length: 20 }, () => fuzzRequest(rand, target));
      await Promise.all(requests.map((r) => rawExchange(peer.port, r.bytes)));
      expect(await alive(), `after batch ${batch}`).toBe(200);
    }
  });

  it('an admitted socket sending bad frames and messages that are not PeerJS leaves the peer server answering', async () => {
    const messages = ['null', '[]', '5', '"x"', '{"type":"OFFER","dst":{}}', '{"type":"LEAVE"}', '{"type":"__proto__","dst":"__proto__"}', '{"type":"HEARTBEAT","dst":null}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, '{'];
    const attempts: Buffer[][] = [
      messages.map((m) => frame(0x1, Buffer.from(m))),
      [frame(0x1, Buffer.from([0xc3, 0x28]))],
      [frame(0x2, randomBytes(64))],
      [frame(0x1, Buffer.alloc(65 * 1024, 0x61))],
      [Buffer.from([0x8f, 0xff, 0xff, 0xff])],
      [randomBytes(200)],
    ];
    for (const bytes of attempts) {
      expect(await admittedThenWrite(bytes)).toBe(101);
      expect(await alive()).toBe(200);
    }
  });
});
