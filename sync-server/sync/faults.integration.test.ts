/**
 * Faults at the sync server's edge (issue 7): a socket over the message-rate limit and a consumer
 * that stops reading are dropped, and neither disturbs the other sockets of the document.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, sessionHeaders, startRelais, synced, waitFor, yClient, type Running, type YClient } from '../testing/harness.ts';
import { CloseCode } from './closeCodes.ts';
import { encodeSyncUpdate } from './protocol.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { ficheField } from '../testing/ficheField.ts';

let relais: Running | null = null;
const clients: YClient[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of sockets.splice(0)) s.terminate();
  await relais?.stop();
  relais = null;
});

function client(docName: string, token: string): YClient {
  const c = yClient(relais!.ws, docName, token);
  clients.push(c);
  return c;
}

function rawSocket(docName: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${relais!.ws}/sync/${docName}`, { headers: sessionHeaders(token) });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

describe('§8 sync server under faults', () => {
  it('a burst over the rate limit is closed with 4429 and the other editors keep syncing', async () => {
    relais = await startRelais({ limits: { messagesPerSecond: 20, messageBurst: 50 } });
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const a = client(docName, token);
    const b = client(docName, token);
    await waitFor(() => synced(a) && synced(b), 10_000, 'sync');

    const flooder = await rawSocket(docName, token);
    const code = closed(flooder);
    const source = await storedDoc(relais.store, docName);
    source.on('update', (u: Uint8Array) => {
      if (flooder.readyState === WebSocket.OPEN) flooder.send(encodeSyncUpdate(u));
    });
    for (let i = 0; i < 200; i++) ficheField(source, 'antecedents').insert(0, 'x');
    expect(await code).toBe(CloseCode.TooManyMessages);

    ficheField(a.doc).insert(0, 'toujours là');
    await waitFor(() => ficheField(b.doc).toString() === 'toujours là', 5000, 'edit after the flood');
    // What passed the limit before the close was stored and fanned out whole, never a fragment.
    const served = ficheField(b.doc, 'antecedents').length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(200);
  });

  it('a consumer that stops reading is dropped, and resyncs the whole document when it returns', async () => {
    relais = await startRelais({ limits: { maxBackpressureBytes: 256 * 1024 } });
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const writer = client(docName, token);
    const reader = client(docName, token);
    await waitFor(() => synced(writer) && synced(reader), 10_000, 'sync');

    const slow = await rawSocket(docName, token);
    const slowClosed = closed(slow);
    // Stops reading: the server's queue for this socket grows until the limit drops it.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = 'é'.repeat(50_000);
    for (let i = 0; i < 240; i++) {
      ficheField(writer.doc).insert(ficheField(writer.doc).length, chunk);
      await new Promise((r) => setTimeout(r, 5));
    }
    const expected = ficheField(writer.doc).length;
    await waitFor(() => ficheField(reader.doc).length === expected, 30_000, 'the reading client keeps up');
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    // Told why, with a code outside 4400–4499 so that y-websocket reconnects by itself.
    expect(await slowClosed).toBe(CloseCode.SlowConsumer);

    const back = client(docName, token);
    await waitFor(() => synced(back) && ficheField(back.doc).length === expected, 30_000, 'resync');
    expect(ficheField(back.doc).toString()).toBe(ficheField(writer.doc).toString());
  });
});
