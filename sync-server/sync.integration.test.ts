/**
 * The sync server through the network, as clients meet it: real uWS server, LMDB in a temp dir,
 * stock y-websocket providers (SPEC §8, §9).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { Teledossier, dossierDocName } from '../schema/dossier.ts';
import { createUser } from '../scripts/demo.ts';
import { login, prng, sessionHeaders, startRelais, synced, waitFor, yClient, type Running, type YClient } from './testing/harness.ts';
import { CloseCode } from './sync/closeCodes.ts';
import { encodeSyncUpdate } from './sync/protocol.ts';

let relais: Running | null = null;
const clients: YClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await relais?.stop();
  relais = null;
});

function client(docName: string, token: string): YClient {
  const c = yClient(relais!.ws, docName, token);
  clients.push(c);
  return c;
}

const fiche = (c: YClient) => new Teledossier(c.doc);

describe('§8 live co-editing through the sync server', () => {
  it('two stock y-websocket clients converge on the server-created fiche', async () => {
    relais = await startRelais();
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const a = client(docName, await login(relais.http, 'dr.demo'));
    const b = client(docName, await login(relais.http, 'ide.demo'));
    await waitFor(() => synced(a) && synced(b) && fiche(a).isInitialised && fiche(b).isInitialised, 10_000, 'sync');
    fiche(a).field('motif')!.insert(0, 'Plaie du talon. ');
    fiche(b).field('antecedents')!.insert(0, 'Diabète de type 2.');
    await waitFor(() => fiche(a).ficheText().antecedents !== '' && fiche(b).ficheText().motif !== '', 5000, 'exchange');
    expect(fiche(a).ficheText()).toEqual(fiche(b).ficheText());
    expect(fiche(b).ficheText().motif).toBe('Plaie du talon. ');
  });

  it('a restarted server serves the same state', async () => {
    relais = await startRelais();
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const a = client(docName, token);
    await waitFor(() => synced(a) && fiche(a).isInitialised);
    fiche(a).field('conclusion')!.insert(0, 'Cicatrisation en bonne voie.');
    await waitFor(async () => (await relais!.store.docs.load(docName)).tailCount > 0, 5000, 'stored');
    a.destroy();
    clients.length = 0;
    await relais.restart();
    const b = client(docName, token);
    await waitFor(() => synced(b) && fiche(b).isInitialised, 10_000, 'resync after restart');
    expect(fiche(b).ficheText().conclusion).toBe('Cicatrisation en bonne voie.');
  });

  it('randomized: 5 clients, random edits, disconnects and reconnects, end with equal documents', async () => {
    relais = await startRelais();
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const random = prng(20261125);
    const peers = Array.from({ length: 5 }, () => client(docName, token));
    await waitFor(() => peers.every((p) => synced(p) && fiche(p).isInitialised), 10_000, 'initial sync');
    const fields = ['motif', 'antecedents', 'traitements', 'conclusion'] as const;
    for (let step = 0; step < 300; step++) {
      const peer = peers[Math.floor(random() * peers.length)]!;
      const roll = random();
      if (roll < 0.06) {
        if (peer.provider.shouldConnect) peer.provider.disconnect();
        else peer.provider.connect();
      } else {
        const text = fiche(peer).field(fields[Math.floor(random() * fields.length)]!)!;
        if (roll < 0.8 || text.length === 0) {
          text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random() * 26)).repeat(1 + Math.floor(random() * 3)));
        } else {
          const at = Math.floor(random() * text.length);
          text.delete(at, Math.min(1 + Math.floor(random() * 3), text.length - at));
        }
      }
      if (step % 25 === 0) await new Promise((r) => setTimeout(r, 5 + random() * 40));
    }
    for (const p of peers) if (!p.provider.shouldConnect) p.provider.connect();
    const same = () => {
      const first = Y.encodeStateVector(peers[0]!.doc).toString();
      return peers.every((p) => synced(p) && Y.encodeStateVector(p.doc).toString() === first);
    };
    await waitFor(same, 20_000, 'convergence');
    const texts = peers.map((p) => JSON.stringify(fiche(p).ficheText()));
    expect(new Set(texts).size).toBe(1);
    // And what the server stored is the same document.
    const fresh = client(docName, token);
    await waitFor(() => synced(fresh) && fiche(fresh).isInitialised, 10_000, 'fresh client');
    expect(JSON.stringify(fiche(fresh).ficheText())).toBe(texts[0]);
  });
});

describe('§9 who may open a document', () => {
  async function upgradeStatus(url: string, token?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: token ? sessionHeaders(token) : {} });
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

  it('refuses an unauthenticated socket, a forged token and a non-participant before any byte', async () => {
    relais = await startRelais();
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}`)).toBe(401);
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}`, 'forged-token')).toBe(401);
    await createUser(
      relais.store,
      { identifier: 'dr.autre', displayName: 'Dr Autre', profession: 'Médecin', color: '#000', establishmentIds: ['elsewhere'] },
      'un-autre-mot-de-passe',
    );
    const outsider = await login(relais.http, 'dr.autre', 'un-autre-mot-de-passe');
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}`, outsider)).toBe(403);
    expect(await upgradeStatus(`${relais.ws}/sync/unknown/${relais.demo.consultations[0]!.id}`, outsider)).toBe(404);
    const participant = await login(relais.http, 'ide.demo');
    expect(await upgradeStatus(`${relais.ws}/sync/${docName}`, participant)).toBe(101);
  });
});

describe('§9 bad messages change nothing stored', () => {
  function rawSocket(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: sessionHeaders(token) });
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      ws.on('open', () => resolve({ ws, closed }));
      ws.on('error', reject);
    });
  }

  it('random bytes, truncated messages and oversized frames close the socket; the document stays as it was', async () => {
    relais = await startRelais({ limits: { maxMessageBytes: 64 * 1024 } });
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const writer = client(docName, token);
    await waitFor(() => synced(writer) && fiche(writer).isInitialised);
    fiche(writer).field('motif')!.insert(0, 'Texte de référence');
    await waitFor(async () => (await relais!.store.docs.load(docName)).tailCount > 0);
    const before = await relais.store.docs.load(docName);
    const url = `${relais.ws}/sync/${docName}`;

    const random = prng(7);
    const valid = (() => {
      const d = new Y.Doc();
      let u: Uint8Array | null = null;
      d.once('update', (x: Uint8Array) => (u = x));
      d.getText('x').insert(0, 'message valide coupé en deux');
      return encodeSyncUpdate(u!);
    })();
    const bad: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      // Prefixed so that they reach the update decoder rather than failing on the message type.
      const body = Uint8Array.from({ length: 8 + Math.floor(random() * 60) }, () => Math.floor(random() * 256));
      bad.push(Uint8Array.from([0, 2, body.length, ...body]));
      bad.push(Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
    }
    for (let cut = 1; cut < valid.length; cut += 7) bad.push(valid.slice(0, cut));
    const codes: number[] = [];
    for (const message of bad) {
      const { ws, closed } = await rawSocket(url, token);
      ws.send(message);
      codes.push(await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 3000))]));
      ws.terminate();
    }
    expect(codes.filter((c) => c !== CloseCode.MalformedMessage)).toEqual([]);

    const { ws, closed } = await rawSocket(url, token);
    ws.send(new Uint8Array(64 * 1024 + 10));
    expect(await closed).toBe(CloseCode.MessageTooBig);

    const after = await relais.store.docs.load(docName);
    expect(after.lastSeq).toBe(before.lastSeq);
    expect(Buffer.concat(after.updates)).toEqual(Buffer.concat(before.updates));
    expect(fiche(writer).ficheText().motif).toBe('Texte de référence');
  });
});
