/**
 * §9 a hostile participant, through the real server: hand-made Yjs updates, sent over
 * /sync/<docName> with the participant's own session, against every part of every document kind
 * that only the server writes. Nothing is forged, erased or served; what the HTTP edge serves comes
 * from the server's own records. Issue #11, finding 2.
 *
 * Run on one LMDB node and on a two-node cluster (issue 16): there the REST calls go to node A and
 * the participant's socket to node B, so a write only the node that received it would refuse, or
 * a server write only the node that made it would show, fails here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { Teledossier, dossierDocName, type DocumentEntry, type FicheSignature } from '../schema/dossier.ts';
import { RoomDoc, roomDocName } from '../schema/room.ts';
import { activityDocName, appointmentsOf } from '../schema/activity.ts';
import { createConsultation, createUser } from '../scripts/demo.ts';
import { CloseCode } from './sync/closeCodes.ts';
import { MessageType, SyncStep, encodeSyncStep1, encodeSyncUpdate } from './sync/protocol.ts';
import { BACKENDS, login, startRelais, type RelaisNode, type Running } from './testing/harness.ts';
import type { Store } from './store/contract.ts';
import { samplePdf } from './testing/images.ts';
import { inviteGuest } from './testing/guests.ts';
import { storedDoc } from './testing/storedDoc.ts';

let relais: Running<Store>;
let consultationId: string;
let doctor: string;
let nurse: string;

/** Where the participant's sockets go: node B on the cluster (REST calls go to node A); the one node on LMDB. */
const socketNode = (): RelaisNode => relais.nodes.at(-1)!;

const cookie = (token: string) => ({ cookie: `relais_session=${token}` });

/** A participant's own socket and its synced copy of the document, driven by hand. */
interface Hand {
  doc: Y.Doc;
  closed: Promise<number>;
  send(update: Uint8Array): void;
  /** The update that `change` makes on the participant's copy, sent as it is. */
  forge(change: (doc: Y.Doc) => void): void;
}

async function hand(docName: string, token: string): Promise<Hand> {
  const ws = new WebSocket(`${socketNode().ws}/sync/${docName}`, { headers: { ...cookie(token), origin: socketNode().http } });
  const doc = new Y.Doc();
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  let synced!: () => void;
  const ready = new Promise<void>((resolve) => (synced = resolve));
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(d) !== MessageType.Sync) return;
    const step = decoding.readVarUint(d);
    if (step === SyncStep.Step1) return;
    Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    if (step === SyncStep.Step2) synced();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(encodeSyncStep1(Y.encodeStateVector(doc)));
  await ready;
  const send = (update: Uint8Array) => ws.send(encodeSyncUpdate(update));
  return {
    doc,
    closed,
    send,
    forge(change) {
      const before = Y.encodeStateVector(doc);
      change(doc);
      send(Y.encodeStateAsUpdate(doc, before));
    },
  };
}

async function upload(token: string, name: string, body: Uint8Array): Promise<DocumentEntry> {
  const res = await fetch(`${relais.http}/api/consultations/${consultationId}/documents?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...cookie(token), 'Content-Type': 'application/octet-stream' },
    body: new Blob([new Uint8Array(body)]),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { document: DocumentEntry }).document;
}

async function sign(token: string): Promise<FicheSignature> {
  const res = await fetch(`${relais.http}/api/consultations/${consultationId}/fiche/signatures`, { method: 'POST', headers: { ...cookie(token), origin: relais.http } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { signature: FicheSignature }).signature;
}

const dossierStored = async () => new Teledossier(await storedDoc(relais.store, dossierDocName(consultationId)));
const download = (token: string, documentId: string, inline = false) =>
  fetch(`${relais.http}/api/consultations/${consultationId}/documents/${documentId}${inline ? '?inline=1' : ''}`, { headers: cookie(token) });

describe.each(BACKENDS)('on %s', (backend) => {
  beforeEach(async () => {
    relais = await startRelais({ backend });
    consultationId = relais.demo.consultations[0]!.id;
    doctor = await login(relais.http, 'dr.demo');
    nurse = await login(relais.http, 'ide.demo');
  });
  afterEach(async () => {
    await relais.stop();
  });

  describe('§9 a participant cannot forge what only the server writes (#11)', () => {
    it('a signature naming the doctor, over her own PDF: refused, nothing stored, the export keeps the real one', async () => {
      const ordonnance = await upload(doctor, 'Ordonnance.pdf', await samplePdf(1));
      const real = await sign(doctor);
      const hers = await upload(nurse, 'Fausse fiche.pdf', await samplePdf(3));
      const socket = await hand(dossierDocName(consultationId), nurse);
      socket.forge((d) =>
        new Teledossier(d).addSignature({ ...real, signedAt: new Date().toISOString(), versionHash: 'forged', documentId: hers.id }),
      );
      expect(await socket.closed).toBe(CloseCode.ForbiddenWrite);
      const stored = await dossierStored();
      expect(stored.signatures.toArray().map((s) => s.documentId)).toEqual([real.documentId]);
      expect(stored.documentList().map((d) => d.id)).toEqual([ordonnance.id, real.documentId, hers.id]);
      expect(stored.signatureState()).toBe('signed');
    });

    it('erasing the document list and the signature history: refused; the ordonnance still downloads', async () => {
      const ordonnance = await upload(doctor, 'Ordonnance.pdf', await samplePdf(1));
      await sign(doctor);
      const socket = await hand(dossierDocName(consultationId), nurse);
      socket.forge((d) => {
        const t = new Teledossier(d);
        t.documents.delete(0, t.documents.length);
        t.signatures.delete(0, t.signatures.length);
      });
      expect(await socket.closed).toBe(CloseCode.ForbiddenWrite);
      expect((await dossierStored()).documentList()).toHaveLength(2);
      expect((await dossierStored()).signatures.length).toBe(1);
      expect((await download(doctor, ordonnance.id)).status).toBe(200);
    });

    it('relabelling a PDF as script: refused; it is served as the PDF the server recorded', async () => {
      const pdf = await upload(nurse, 'Ordonnance.pdf', await samplePdf(1));
      const socket = await hand(dossierDocName(consultationId), nurse);
      socket.forge((d) => {
        const entry = new Teledossier(d).documents.get(0);
        entry.set('mimeType', 'text/javascript; charset=utf-16le');
        entry.set('name', 'x.js');
      });
      expect(await socket.closed).toBe(CloseCode.ForbiddenWrite);
      const res = await download(doctor, pdf.id, true);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toContain('Ordonnance.pdf');
    });

    it('the edge trusts the server’s records, not the shared list: a forged entry in a store from before is not served', async () => {
      // Establishment A's document, and a dossier of establishment B whose stored Y.Doc carries a
      // forged entry naming A's blob (as a store written before the room refused such updates).
      const secret = await upload(doctor, 'Compte rendu.pdf', await samplePdf(2));
      const establishmentId = 'ehpad-b';
      await relais.store.establishments.put({ id: establishmentId, name: 'EHPAD B', kind: 'ehpad', retentionDays: 90 });
      const intruder = await createUser(
        relais.store,
        { identifier: 'dr.b', displayName: 'Dr B', profession: 'Médecin', establishmentIds: [establishmentId] },
        'mot-de-passe-solide-b',
      );
      const own = await createConsultation(relais.store, {
        establishmentId,
        patientId: relais.demo.consultations[0]!.patientId,
        createdBy: intruder.id,
        participants: [intruder.id],
        start: new Date().toISOString(),
        durationMinutes: 15,
        reason: '',
      });
      const docName = dossierDocName(own.id);
      const forgedDoc = await storedDoc(relais.store, docName);
      const before = Y.encodeStateVector(forgedDoc);
      new Teledossier(forgedDoc).addDocument({ ...secret, id: 'volé' });
      new Teledossier(forgedDoc).addDocument({ ...secret, id: 'script', mimeType: 'text/html' });
      await relais.store.docs.append(docName, Y.encodeStateAsUpdate(forgedDoc, before));
      const token = await login(relais.http, 'dr.b', 'mot-de-passe-solide-b');
      for (const id of ['volé', 'script']) {
        const res = await fetch(`${relais.http}/api/consultations/${own.id}/documents/${id}`, { headers: cookie(token) });
        expect(res.status).toBe(404);
      }
    });

    it('the room’s sent list: a professional cannot add to it; the guest cannot fetch what was never sent', async () => {
      const pdf = await upload(doctor, 'Compte rendu.pdf', await samplePdf(1));
      const socket = await hand(roomDocName(consultationId), doctor);
      socket.forge((d) => new RoomDoc(d).sent.push([{ documentId: pdf.id, name: pdf.name, size: pdf.size, sentAt: new Date().toISOString(), sentByName: 'x' }]));
      expect(await socket.closed).toBe(CloseCode.ForbiddenWrite);
      expect(new RoomDoc(await storedDoc(relais.store, roomDocName(consultationId))).sentDocuments()).toEqual([]);
      const guest = await guestToken();
      const res = await fetch(`${relais.http}/api/room/${consultationId}/sent/${pdf.id}?invitation=${encodeURIComponent(guest)}`);
      expect(res.status).toBe(404);
    });

    it('the room’s sent list is written by the server when the send is checked and audited', async () => {
      const pdf = await upload(doctor, 'Compte rendu.pdf', await samplePdf(1));
      const watcher = await hand(roomDocName(consultationId), nurse);
      const res = await fetch(`${relais.http}/api/room/${consultationId}/sent`, {
        method: 'POST',
        headers: { ...cookie(doctor), origin: relais.http, 'Content-Type': 'application/json' },
        body: JSON.stringify({ documentId: pdf.id }),
      });
      expect(res.status).toBe(201);
      const deadline = Date.now() + 5000;
      while (new RoomDoc(watcher.doc).sentDocuments().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(new RoomDoc(watcher.doc).sentDocuments().map((s) => s.documentId)).toEqual([pdf.id]);
      const guest = await guestToken();
      expect((await fetch(`${relais.http}/api/room/${consultationId}/sent/${pdf.id}?invitation=${encodeURIComponent(guest)}`)).status).toBe(200);
    });

    it('the room’s layout hints stay co-edited', async () => {
      const socket = await hand(roomDocName(consultationId), doctor);
      socket.forge((d) => new RoomDoc(d).setSpotlight('peer-x'));
      const deadline = Date.now() + 5000;
      while (new RoomDoc(await storedDoc(relais.store, roomDocName(consultationId))).spotlight() !== 'peer-x' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(new RoomDoc(await storedDoc(relais.store, roomDocName(consultationId))).spotlight()).toBe('peer-x');
    });

    it('the activity feed takes nothing from a client', async () => {
      const docName = activityDocName(relais.demo.establishmentId);
      const lastSeq = async () => ((await relais.store.docs.exists(docName)) ? (await relais.store.docs.load(docName)).lastSeq : 0);
      const before = await lastSeq();
      const socket = await hand(docName, doctor);
      socket.forge((d) => appointmentsOf(d).delete(consultationId));
      await new Promise((r) => setTimeout(r, 200));
      expect(await lastSeq()).toBe(before);
      void socket;
    });

    it('a new root type or a new fiche field: refused', async () => {
      for (const change of [(d: Y.Doc) => d.getText('notes').insert(0, 'x'), (d: Y.Doc) => new Teledossier(d).fiche.set('intrus', new Y.Text('x'))]) {
        const socket = await hand(dossierDocName(consultationId), nurse);
        socket.forge(change);
        expect(await socket.closed).toBe(CloseCode.ForbiddenWrite);
      }
      expect((await storedDoc(relais.store, dossierDocName(consultationId))).share.has('notes')).toBe(false);
    });

    it('typing in the fiche goes through as before', async () => {
      const socket = await hand(dossierDocName(consultationId), nurse);
      socket.forge((d) => new Teledossier(d).field('conclusion')!.insert(0, 'Plaie propre.'));
      const deadline = Date.now() + 5000;
      while ((await dossierStored()).ficheText().conclusion !== 'Plaie propre.' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await dossierStored()).ficheText().conclusion).toBe('Plaie propre.');
    });
  });
});

async function guestToken(): Promise<string> {
  const consultation = (await relais.store.consultations.get(consultationId))!;
  return inviteGuest(relais, consultationId, consultation);
}
