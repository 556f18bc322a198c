/**
 * SPEC §9 «what no one may see»: the authorization matrix through the real server. Each role ×
 * each resource (REST routes, each document kind over WebSocket) × read / write, with the expected
 * outcome in the table. "allowed" means the request passes the access gate (any answer but
 * 401/403/404); "refused" means one of those, and nothing changes.
 *
 * Run on one LMDB node and on a two-node cluster (issue 16). On the cluster the REST calls go to
 * node A and the sockets to node B, and what a socket writes on B is read back on A: a rule that
 * only the node making a change enforces fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PDFDocument } from 'pdf-lib';
import { BACKENDS, login, sessionHeaders, startRelais, waitFor, yClient, type Backend, type Running } from '../testing/harness.ts';
import type { Store } from '../store/contract.ts';
import { createUser, newId } from '../../scripts/demo.ts';
import type * as Y from 'yjs';
import { ficheField } from '../testing/ficheField.ts';

type Role = 'anonymous' | 'outsider' | 'colleague' | 'participant' | 'admin';
type Outcome = 'allowed' | 'refused';
type WsOutcome = 'write' | 'read' | 'refused';

let running: Running<Store>;
const tokens: Partial<Record<Role, string>> = {};
let consultationId: string;
let patientId: string;
let establishmentId: string;
let pdf: Uint8Array;

/** Node B on the cluster (the REST calls go to node A, `running.http`); the one node on LMDB. */
const sockets = (): string => running.nodes.at(-1)!.ws;

async function setUp(backend: Backend): Promise<void> {
  running = await startRelais({ backend });
  const { store, demo } = running;
  establishmentId = demo.establishmentId;
  consultationId = demo.consultations[0]!.id;
  patientId = demo.consultations[0]!.patientId;
  const elsewhere = newId();
  await store.establishments.put({ id: elsewhere, name: 'Cabinet ailleurs', kind: 'cabinet', retentionDays: 90 });
  await createUser(store, { identifier: 'ext.test', displayName: 'Dr Externe', profession: 'Médecin', color: '#000000', establishmentIds: [elsewhere] }, 'mot-de-passe-test');
  await createUser(store, { identifier: 'collegue.test', displayName: 'Collègue', profession: 'Infirmière', color: '#000000', establishmentIds: [establishmentId] }, 'mot-de-passe-test');
  tokens.outsider = await login(running.http, 'ext.test', 'mot-de-passe-test');
  tokens.colleague = await login(running.http, 'collegue.test', 'mot-de-passe-test');
  tokens.participant = await login(running.http, 'dr.demo');
  tokens.admin = await login(running.http, 'admin.demo');
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]);
  pdf = await doc.save();
}

const headers = (role: Role): Record<string, string> => (tokens[role] ? { Cookie: `relais_session=${tokens[role]}` } : {});

interface RestCase {
  name: string;
  method: string;
  path: () => string;
  body?: () => { type: string; data: Uint8Array | string };
  expect: Record<Role, Outcome>;
}

const onlyParticipant: Record<Role, Outcome> = { anonymous: 'refused', outsider: 'refused', colleague: 'refused', participant: 'allowed', admin: 'refused' };

const REST: RestCase[] = [
  { name: 'read the consultation', method: 'GET', path: () => `/api/consultations/${consultationId}`, expect: onlyParticipant },
  { name: 'read its invitations', method: 'GET', path: () => `/api/consultations/${consultationId}/invitations`, expect: onlyParticipant },
  { name: 'read its fiche PDF', method: 'GET', path: () => `/api/consultations/${consultationId}/fiche.pdf`, expect: onlyParticipant },
  { name: 'export the télédossier', method: 'GET', path: () => `/api/consultations/${consultationId}/export.zip`, expect: onlyParticipant },
  { name: 'list vault links', method: 'GET', path: () => `/api/consultations/${consultationId}/vault-links`, expect: onlyParticipant },
  {
    name: 'add a document',
    method: 'POST',
    path: () => `/api/consultations/${consultationId}/documents?name=ordonnance.pdf`,
    body: () => ({ type: 'application/pdf', data: pdf }),
    expect: onlyParticipant,
  },
  { name: 'take a call ticket', method: 'POST', path: () => `/api/room/${consultationId}/peer-ticket`, body: () => ({ type: 'application/json', data: '{}' }), expect: onlyParticipant },
  {
    name: 'read the patient identity',
    method: 'GET',
    path: () => `/api/patients/${patientId}`,
    expect: { anonymous: 'refused', outsider: 'refused', colleague: 'allowed', participant: 'allowed', admin: 'allowed' },
  },
  {
    name: 'read the audit log',
    method: 'GET',
    path: () => '/api/audit',
    expect: { anonymous: 'refused', outsider: 'refused', colleague: 'refused', participant: 'refused', admin: 'allowed' },
  },
];

const ROLES: Role[] = ['anonymous', 'outsider', 'colleague', 'participant', 'admin'];

async function upgradeStatus(docName: string, role: Role): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${sockets()}/sync/${docName}`, { headers: tokens[role] ? sessionHeaders(tokens[role]) : {} });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', () => resolve(0));
  });
}

/** A marker where a participant may write in this kind of document (schema/clientWrites.ts). */
function markIn(docName: string, doc: Y.Doc, marker: string): void {
  if (docName.startsWith('dossier/')) ficheField(doc).insert(0, marker);
  else if (docName.startsWith('room/')) doc.getMap('layout').set(marker, true);
  // The activity feed takes nothing from a client: any write will do to show it is dropped.
  else doc.getMap('appointments').set(marker, true);
}

function isMarked(docName: string, doc: Y.Doc, marker: string): boolean {
  if (docName.startsWith('dossier/')) return ficheField(doc).toString().includes(marker);
  return doc.getMap(docName.startsWith('room/') ? 'layout' : 'appointments').has(marker);
}

/** Connects as `role`, writes a marker; true when a fresh participant-side reader (on node A) sees it. */
async function writeLands(docName: string, role: Role, readerToken: string): Promise<boolean> {
  const marker = `marque-${role}-${Math.random().toString(36).slice(2)}`;
  const writer = yClient(sockets(), docName, tokens[role]!);
  await waitFor(() => writer.provider.synced, 5000, `${role} synced`);
  markIn(docName, writer.doc, marker);
  await new Promise((r) => setTimeout(r, 400));
  writer.destroy();
  const reader = yClient(running.ws, docName, readerToken);
  await waitFor(() => reader.provider.synced, 5000, 'reader synced');
  const seen = isMarked(docName, reader.doc, marker);
  reader.destroy();
  return seen;
}

const WS: { kind: string; docName: () => string; reader: Role; expect: Record<Role, WsOutcome> }[] = [
  {
    kind: 'dossier',
    docName: () => `dossier/${consultationId}`,
    reader: 'participant',
    expect: { anonymous: 'refused', outsider: 'refused', colleague: 'refused', participant: 'write', admin: 'refused' },
  },
  {
    kind: 'room',
    docName: () => `room/${consultationId}`,
    reader: 'participant',
    expect: { anonymous: 'refused', outsider: 'refused', colleague: 'refused', participant: 'write', admin: 'refused' },
  },
  {
    kind: 'activity',
    docName: () => `activity/${establishmentId}`,
    reader: 'colleague',
    expect: { anonymous: 'refused', outsider: 'refused', colleague: 'read', participant: 'read', admin: 'read' },
  },
];

describe.each(BACKENDS)('§9 authorization matrix on %s', (backend) => {
  beforeAll(() => setUp(backend));
  afterAll(async () => {
    await running.stop();
  });

  describe('§9 authorization matrix: REST routes', () => {
    for (const route of REST) {
      for (const role of ROLES) {
        it(`§9 ${role} → ${route.method} ${route.name}: ${route.expect[role]}`, async () => {
          const body = route.body?.();
          const res = await fetch(`${running.http}${route.path()}`, {
            method: route.method,
            headers: { ...headers(role), ...(body ? { 'Content-Type': body.type } : {}) },
            body: typeof body?.data === 'string' ? body.data : body ? Buffer.from(body.data) : undefined,
          });
          await res.arrayBuffer();
          const refused = [401, 403, 404].includes(res.status);
          expect(refused ? 'refused' : 'allowed', `status ${res.status}`).toBe(route.expect[role]);
          if (role === 'anonymous') expect(res.status).toBe(401);
        });
      }
    }
  });

  describe('§9 authorization matrix: documents over WebSocket', () => {
    for (const doc of WS) {
      for (const role of ROLES) {
        it(`§9 ${role} → ${doc.kind}: ${doc.expect[role]}`, async () => {
          const status = await upgradeStatus(doc.docName(), role);
          if (doc.expect[role] === 'refused') {
            expect(status).toBe(role === 'anonymous' ? 401 : 403);
            return;
          }
          expect(status).toBe(101);
          const lands = await writeLands(doc.docName(), role, tokens[doc.reader]!);
          // A read-only socket's updates are dropped: nobody else ever sees them.
          expect(lands ? 'write' : 'read').toBe(doc.expect[role]);
        });
      }
    }

    it('§9 a dossier open is written to the audit log', async () => {
      await upgradeStatus(`dossier/${consultationId}`, 'participant');
      await waitFor(async () => (await running.store.audit.query({ patientId })).some((e) => e.type === 'dossier.open'), 2000, 'audit');
      const event = (await running.store.audit.query({ patientId })).find((e) => e.type === 'dossier.open')!;
      expect(event).toMatchObject({ actorId: running.demo.doctor.id, consultationId });
    });

    it('§9 a professional removed from a consultation loses their open sockets at once', async () => {
      const nurseToken = await login(running.http, 'ide.demo');
      const nurse = yClient(sockets(), `dossier/${consultationId}`, nurseToken);
      await waitFor(() => nurse.provider.synced, 5000, 'nurse synced');
      const closed = new Promise<number>((resolve) => nurse.provider.ws!.addEventListener('close', (e) => resolve(e.code)));
      const consultation = (await running.store.consultations.get(consultationId))!;
      await running.store.consultations.put({ ...consultation, participants: consultation.participants.filter((id) => id !== running.demo.nurse.id) });
      running.server.accessChanged.consultation(consultationId);
      expect(await closed).toBe(4403);
      nurse.destroy();
      expect(await upgradeStatus(`dossier/${consultationId}`, 'participant')).toBe(101);
      await running.store.consultations.put(consultation);
    });
  });
});
