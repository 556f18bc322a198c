/**
 * The storage contract (contract.ts), run against each backend: the same calls, the same answers.
 * PostgreSQL is a real throw-away server (scripts/cluster/engines.ts), a fresh database per test;
 * "two nodes" are two connection pools on it, as two cluster nodes would be. The last block holds
 * what only PostgreSQL has to prove: no health data in clear columns, payloads bound to their row.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres, type Engine } from '../../scripts/cluster/engines.ts';
import { IdentifierTakenError, openPgStore, type PgStore, type RecordRepos } from './pg/index.ts';
import { openStore } from './index.ts';
import { EMPTY_AUTH_STATE, type AuthState } from './authState.ts';
import type { User } from './users.ts';
import type { Consultation } from './consultations.ts';
import type { PatientWrite } from './patients.ts';
import type { Invitation } from './invitations.ts';
import type { StoredMessage } from './messages.ts';
import type { DirectoryEntry } from '../../schema/directory.ts';

const HOUR = 3_600_000;
const MASTER_KEY = randomBytes(32);

interface Backend {
  repos: RecordRepos;
  close(): Promise<void>;
}

let engine: Engine | null = null;
let admin: pg.Client | null = null;
let databases = 0;
let shared: string | null = null;

/** A new, empty database on the throw-away server (started once for this file); its URL. */
async function freshDatabase(): Promise<string> {
  if (!engine) {
    engine = await startPostgres();
    admin = new pg.Client({ connectionString: engine.url });
    await admin.connect();
  }
  const name = `contract_${++databases}`;
  await admin!.query(`CREATE DATABASE ${name}`);
  return engine.url.replace(/\/postgres$/, `/${name}`);
}

/**
 * A store on the database the tests share, emptied first: a database per test costs ~0.7 s on a
 * loaded 2-core machine (creating it and its tables), emptying one a few ms. The audit trigger
 * refusing deletes is set aside for this session only (the test server's user is its superuser).
 */
async function emptyStore(): Promise<PgStore> {
  shared ??= await freshDatabase();
  const store = await openPgStore(shared, MASTER_KEY);
  await store.db.tx(async (client) => {
    await client.query('SET LOCAL session_replication_role = replica');
    const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'relais_migrations'");
    for (const { table_name: table } of rows) await client.query(`DELETE FROM "${table}"`);
  });
  return store;
}

afterAll(async () => {
  await admin?.end();
  await engine?.stop();
});

async function postgresBackend(): Promise<Backend> {
  const store = await emptyStore();
  return { repos: store, close: () => store.close() };
}

/** The embedded store in a temp data dir, its master key generated there (no RELAIS_MASTER_KEY). */
function lmdbBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-contract-'));
  const store = openStore(dir, {});
  return Promise.resolve({
    repos: store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

const BACKENDS: [string, () => Promise<Backend>][] = [
  ['lmdb', lmdbBackend],
  ['postgres', postgresBackend],
];

function user(id: string, fields: Partial<User> = {}): User {
  return {
    id,
    identifier: `${id}@example.fr`,
    passwordHash: 'scrypt$x',
    displayName: `Dr ${id}`,
    rpps: null,
    profession: 'Médecin',
    color: '#336699',
    establishmentIds: ['e1'],
    adminOf: [],
    role: 'professional',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

function patient(id: string, fields: Partial<PatientWrite> = {}): PatientWrite {
  return {
    id,
    establishmentId: 'e1',
    birthName: 'MARTIN',
    firstNames: 'JEANNE MARIE',
    usedName: null,
    birthDate: '1940-05-06',
    sex: 'F',
    email: null,
    mobile: '+33612345678',
    ...fields,
  };
}

function consultation(id: string, start: string, participants: string[]): Consultation {
  return {
    id,
    establishmentId: 'e1',
    patientId: 'p1',
    createdBy: participants[0] ?? 'u1',
    participants,
    start,
    durationMinutes: 20,
    reason: 'Suivi',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

function message(id: string, createdAt: string, nextAttemptAt: number | null): StoredMessage {
  return {
    record: { id, channel: 'sms', to: '+33612345678', purpose: 'login-code', status: nextAttemptAt === null ? 'sent' : 'pending', attempts: 1, lastError: null, createdAt, sentAt: null },
    payload: nextAttemptAt === null ? null : { channel: 'sms', sms: { to: '+33612345678', text: 'Code : 123456', purpose: 'login-code' } },
    nextAttemptAt,
  };
}

function entry(rpps: string, lastName: string, firstName: string, city: string, profession = 'Médecin'): DirectoryEntry {
  return { rpps, lastName, firstName, profession, specialty: null, postcode: '75011', city, email: null, phone: null, secureEmail: null };
}

/** One failed login counted, as the login route counts them. */
const countFailure =
  (at: number) =>
  (state: AuthState): AuthState => ({ ...state, failures: [...state.failures, at] });

describe.each(BACKENDS)('storage contract: %s', (_name, open) => {
  let backend: Backend;
  let r: RecordRepos;
  beforeEach(async () => {
    backend = await open();
    r = backend.repos;
  });
  afterEach(async () => {
    await backend.close();
  });

  describe('users', () => {
    it('finds an account by id, by identifier whatever its case, and by RPPS number', async () => {
      await r.users.put(user('u1', { identifier: 'Jeanne.Martin@Example.fr', rpps: '10001234567' }));
      await r.users.put(user('u2'));
      expect((await r.users.get('u1'))?.identifier).toBe('Jeanne.Martin@Example.fr');
      expect((await r.users.byIdentifier('jeanne.martin@example.FR'))?.id).toBe('u1');
      expect((await r.users.byRpps('10001234567'))?.id).toBe('u1');
      expect(await r.users.byRpps('10009999999')).toBeUndefined();
      expect(await r.users.byIdentifier('nobody@example.fr')).toBeUndefined();
      expect(await r.users.get('nobody')).toBeUndefined();
    });

    it('settles roles on read: an account stored with the global admin role administers its establishments', async () => {
      const legacy = { ...user('u1', { establishmentIds: ['e1', 'e2'], role: 'admin' }), adminOf: undefined } as unknown as User;
      await r.users.put(legacy);
      expect(await r.users.get('u1')).toMatchObject({ role: 'admin', adminOf: ['e1', 'e2'] });
      // adminOf is kept to the account's own establishments.
      await r.users.put(user('u2', { establishmentIds: ['e1'], adminOf: ['e1', 'e9'], role: 'professional' }));
      expect(await r.users.byIdentifier('u2@example.fr')).toMatchObject({ role: 'admin', adminOf: ['e1'] });
    });

    it('replaces an account, lists them in id order and counts them', async () => {
      await r.users.put(user('u2'));
      await r.users.put(user('u1'));
      await r.users.put(user('u10'));
      await r.users.put({ ...user('u2'), displayName: 'Dr Renommé' });
      expect((await r.users.list()).map((u) => u.id)).toEqual(['u1', 'u10', 'u2']);
      expect((await r.users.get('u2'))?.displayName).toBe('Dr Renommé');
      expect(await r.users.count()).toBe(3);
    });
  });

  describe('sessions', () => {
    it('ends one session, the others of a user, or all of them', async () => {
      const at = Date.now();
      for (const [key, userId] of [['h3', 'u1'], ['h1', 'u1'], ['h2', 'u1'], ['h9', 'u2']] as const) await r.sessions.put(key, { userId, createdAt: at, lastSeenAt: at });
      expect(await r.sessions.get('h1')).toEqual({ userId: 'u1', createdAt: at, lastSeenAt: at });
      await r.sessions.put('h1', { userId: 'u1', createdAt: at, lastSeenAt: at + 5 });
      expect((await r.sessions.get('h1'))?.lastSeenAt).toBe(at + 5);
      expect(await r.sessions.removeOthers('u1', 'h2')).toEqual(['h1', 'h3']);
      expect(await r.sessions.get('h1')).toBeUndefined();
      expect(await r.sessions.get('h2')).toBeDefined();
      expect(await r.sessions.removeForUser('u1')).toBe(1);
      expect(await r.sessions.get('h2')).toBeUndefined();
      expect(await r.sessions.get('h9')).toBeDefined();
      await r.sessions.remove('h9');
      expect(await r.sessions.get('h9')).toBeUndefined();
      expect(await r.sessions.removeForUser('u2')).toBe(0);
    });
  });

  describe('establishments and consultations', () => {
    it('lists establishments in id order', async () => {
      await r.establishments.put({ id: 'e2', name: 'Cabinet du Parc', kind: 'cabinet', retentionDays: 30 });
      await r.establishments.put({ id: 'e1', name: 'EHPAD Les Tilleuls', kind: 'ehpad', retentionDays: 90, passwordLoginForbidden: true });
      expect(await r.establishments.get('e1')).toEqual({ id: 'e1', name: 'EHPAD Les Tilleuls', kind: 'ehpad', retentionDays: 90, passwordLoginForbidden: true });
      expect((await r.establishments.list()).map((e) => e.name)).toEqual(['EHPAD Les Tilleuls', 'Cabinet du Parc']);
      expect(await r.establishments.get('e3')).toBeUndefined();
    });

    it("gives a participant's consultations soonest first, and follows a change of participants", async () => {
      await r.consultations.put(consultation('c1', '2026-03-02T09:00:00.000Z', ['u1', 'u2']));
      await r.consultations.put(consultation('c2', '2026-03-01T09:00:00.000Z', ['u1']));
      await r.consultations.put(consultation('c3', '2026-02-01T09:00:00.000Z', ['u2']));
      expect((await r.consultations.forParticipant('u1')).map((c) => c.id)).toEqual(['c2', 'c1']);
      expect((await r.consultations.forParticipant('u2')).map((c) => c.id)).toEqual(['c3', 'c1']);
      await r.consultations.put({ ...consultation('c1', '2026-03-02T09:00:00.000Z', ['u1']), reason: 'Contrôle' });
      expect((await r.consultations.forParticipant('u2')).map((c) => c.id)).toEqual(['c3']);
      expect((await r.consultations.get('c1'))?.reason).toBe('Contrôle');
      expect((await r.consultations.list()).map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
      expect(await r.consultations.forParticipant('u3')).toEqual([]);
    });
  });

  describe('patients', () => {
    it('reads an identity stored without the INS fields with their defaults', async () => {
      await r.patients.put(patient('p1'));
      expect(await r.patients.get('p1')).toMatchObject({ firstName: 'JEANNE', status: 'PROV', insMatricule: null, birthPlace: null, createdBy: '' });
      expect(await r.patients.get('p2')).toBeUndefined();
    });

    it('searches the given establishments by every word, accents and case aside, by birth name then first names', async () => {
      await r.patients.put(patient('p1', { birthName: 'MARTIN', firstNames: 'JEANNE' }));
      await r.patients.put(patient('p2', { birthName: 'DUPONT', firstNames: 'LUC', usedName: 'Martinez' }));
      await r.patients.put(patient('p3', { birthName: 'MARTIN', firstNames: 'ANDRÉ', birthDate: '1950-01-01' }));
      await r.patients.put(patient('p4', { birthName: 'MARTIN', firstNames: 'ZOÉ', establishmentId: 'e2' }));
      await r.patients.put(patient('p5', { birthName: 'MARTIN', firstNames: 'PAUL', instant: true }));
      expect((await r.patients.search(['e1'], { text: 'martin' })).map((p) => p.id)).toEqual(['p2', 'p3', 'p1']);
      expect((await r.patients.search(['e1', 'e2'], { text: 'martin' })).map((p) => p.id)).toEqual(['p2', 'p3', 'p1', 'p4']);
      expect((await r.patients.search(['e1'], { text: 'Martin andre' })).map((p) => p.id)).toEqual(['p3']);
      expect((await r.patients.search(['e1'], { text: 'martin', birthDate: '1950-01-01' })).map((p) => p.id)).toEqual(['p3']);
      expect((await r.patients.search(['e1'], { text: 'martin', limit: 2 })).map((p) => p.id)).toEqual(['p2', 'p3']);
      expect((await r.patients.search(['e1'], {})).map((p) => p.id)).toEqual(['p2', 'p3', 'p1']);
      expect(await r.patients.search([], { text: 'martin' })).toEqual([]);
      expect(await r.patients.search(['e3'], { text: 'martin' })).toEqual([]);
    });

    it('finds likely duplicates in one establishment, but for the identity itself and instant ones', async () => {
      await r.patients.put(patient('p1'));
      await r.patients.put(patient('p2', { firstNames: 'JEANNE' }));
      await r.patients.put(patient('p3', { establishmentId: 'e2' }));
      await r.patients.put(patient('p4', { instant: true }));
      await r.patients.put(patient('p5', { birthDate: '1941-05-06' }));
      const identity = { birthName: 'MARTIN', firstNames: 'JEANNE MARIE', birthDate: '1940-05-06' };
      expect((await r.patients.duplicatesOf('e1', identity)).map((p) => p.id)).toEqual(['p1', 'p2']);
      expect((await r.patients.duplicatesOf('e1', identity, 'p1')).map((p) => p.id)).toEqual(['p2']);
    });
  });

  describe('directory', () => {
    it('replaces entries in one batch, counts them and searches every word', async () => {
      await r.directory.putMany([entry('10000000002', 'Durand', 'Élise', 'Paris'), entry('10000000001', 'Durand', 'Paul', 'Lyon'), entry('10000000003', 'Petit', 'Anne', 'Paris', 'Infirmier')]);
      await r.directory.putMany([entry('10000000001', 'Durand', 'Paul', 'Marseille'), entry('10000000004', 'Roux', 'Hélène', 'Paris')]);
      expect(await r.directory.count()).toBe(4);
      expect((await r.directory.get('10000000001'))?.city).toBe('Marseille');
      expect((await r.directory.search('durand')).map((e) => e.rpps)).toEqual(['10000000001', '10000000002']);
      expect((await r.directory.search('elise PARIS')).map((e) => e.rpps)).toEqual(['10000000002']);
      expect((await r.directory.search('paris', 2)).map((e) => e.rpps)).toEqual(['10000000002', '10000000003']);
      expect((await r.directory.search('infirmier')).map((e) => e.rpps)).toEqual(['10000000003']);
      expect(await r.directory.search('   ')).toEqual([]);
      expect(await r.directory.get('19999999999')).toBeUndefined();
    });

    it('searches past the first page of entries', async () => {
      const many = Array.from({ length: 4500 }, (_, i) => entry(String(10_000_000_000 + i), `Nom${i}`, 'Jean', i % 1000 === 999 ? 'Brest' : 'Paris'));
      await r.directory.putMany(many);
      expect(await r.directory.count()).toBe(4500);
      expect((await r.directory.search('brest', 10)).map((e) => e.lastName)).toEqual(['Nom999', 'Nom1999', 'Nom2999', 'Nom3999']);
    });
  });

  describe('invitations', () => {
    it("gives a consultation's invitations oldest first, then by recipient", async () => {
      const inv = (id: string, consultationId: string, createdAt: string, recipient: Invitation['recipient']): Invitation => ({
        id,
        consultationId,
        recipient,
        recipientName: 'Jeanne Martin',
        channel: 'email',
        to: 'jeanne@example.fr',
        messageIds: [],
        createdAt,
      });
      await r.invitations.put(inv('i1', 'c1', '2026-01-02T00:00:00.000Z', 'patient'));
      await r.invitations.put(inv('i2', 'c1', '2026-01-01T00:00:00.000Z', 'patient'));
      await r.invitations.put(inv('i3', 'c1', '2026-01-01T00:00:00.000Z', 'companion'));
      await r.invitations.put(inv('i4', 'c2', '2026-01-01T00:00:00.000Z', 'patient'));
      await r.invitations.put({ ...inv('i1', 'c1', '2026-01-02T00:00:00.000Z', 'patient'), messageIds: ['m1'] });
      expect((await r.invitations.forConsultation('c1')).map((i) => i.id)).toEqual(['i3', 'i2', 'i1']);
      expect((await r.invitations.get('i1'))?.messageIds).toEqual(['m1']);
      expect(await r.invitations.forConsultation('c3')).toEqual([]);
    });
  });

  describe('messages', () => {
    it('gives the messages with a try planned, and the records newest first', async () => {
      const t = Date.parse('2026-01-01T10:00:00Z');
      await r.messages.put(message('m1', '2026-01-01T10:00:00.000Z', null));
      await r.messages.put(message('m2', '2026-01-01T12:00:00.000Z', t + 60_000));
      await r.messages.put(message('m3', '2026-01-01T11:00:00.000Z', t));
      expect((await r.messages.pending()).map((m) => m.record.id)).toEqual(['m2', 'm3']);
      expect((await r.messages.records()).map((m) => m.id)).toEqual(['m2', 'm3', 'm1']);
      expect((await r.messages.records(2)).map((m) => m.id)).toEqual(['m2', 'm3']);
      // Sent: no more try, and the body is gone.
      await r.messages.put({ ...message('m2', '2026-01-01T12:00:00.000Z', null), payload: null });
      expect((await r.messages.pending()).map((m) => m.record.id)).toEqual(['m3']);
      expect(await r.messages.get('m2')).toMatchObject({ payload: null, nextAttemptAt: null, record: { status: 'sent' } });
      expect(await r.messages.get('m9')).toBeUndefined();
    });
  });

  describe('auth states', () => {
    it('reads an empty state for an account with none, and stores one', async () => {
      expect(await r.authState.get('u1')).toEqual(EMPTY_AUTH_STATE);
      await r.authState.put('u1', { ...EMPTY_AUTH_STATE, totpSecret: 'JBSWY3DPEHPK3PXP' });
      expect(await r.authState.get('u1')).toEqual({ ...EMPTY_AUTH_STATE, totpSecret: 'JBSWY3DPEHPK3PXP' });
    });

    it('updates atomically: concurrent failures all count; null leaves the state', async () => {
      const at = Date.now();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => r.authState.update('u1', countFailure(at + i))));
      expect((await r.authState.get('u1')).failures.sort()).toEqual(Array.from({ length: 20 }, (_, i) => at + i));
      expect(results.map((s) => s.failures.length).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const left = await r.authState.update('u1', () => null);
      expect(left.failures).toHaveLength(20);
      expect(await r.authState.update('u2', () => null)).toEqual(EMPTY_AUTH_STATE);
    });
  });

  describe('login challenges', () => {
    it('stores, reads and removes a challenge', async () => {
      const challenge = { userId: 'u1', channel: 'sms' as const, codeHash: 'ab'.repeat(32), expiresAt: Date.now() + 300_000, tries: 0 };
      await r.loginChallenges.put('k1', challenge);
      expect(await r.loginChallenges.get('k1')).toEqual(challenge);
      await r.loginChallenges.put('k1', { ...challenge, tries: 1 });
      expect((await r.loginChallenges.get('k1'))?.tries).toBe(1);
      await r.loginChallenges.remove('k1');
      expect(await r.loginChallenges.get('k1')).toBeUndefined();
    });
  });

  describe('audit', () => {
    it('appends with its time and reads newest first, filtered by person, patient and dates', async () => {
      const t0 = Date.parse('2026-01-10T00:00:00.000Z');
      const first = await r.audit.append({ type: 'login.success', actorId: 'u1', method: 'password' }, t0);
      expect(first).toEqual({ at: '2026-01-10T00:00:00.000Z', type: 'login.success', actorId: 'u1', method: 'password' });
      await r.audit.append({ type: 'dossier.open', actorId: 'u1', patientId: 'p1', consultationId: 'c1' }, t0 + HOUR);
      await r.audit.append({ type: 'dossier.open', actorId: 'u2', patientId: 'p1' }, t0 + 2 * HOUR);
      await r.audit.append({ type: 'login.failure', actorId: null, identifier: 'inconnu@example.fr' }, t0 + 3 * HOUR);
      // Two events in the same millisecond: the later appended comes first.
      await r.audit.append({ type: 'logout', actorId: 'u2', detail: 'a' }, t0 + 3 * HOUR);
      const all = await r.audit.query();
      expect(all.map((e) => e.type)).toEqual(['logout', 'login.failure', 'dossier.open', 'dossier.open', 'login.success']);
      expect(all[1]).toEqual({ at: '2026-01-10T03:00:00.000Z', type: 'login.failure', actorId: null, identifier: 'inconnu@example.fr' });
      expect((await r.audit.query({ actorId: 'u1' })).map((e) => e.type)).toEqual(['dossier.open', 'login.success']);
      expect((await r.audit.query({ patientId: 'p1' })).map((e) => e.actorId)).toEqual(['u2', 'u1']);
      expect((await r.audit.query({ actorId: 'u2', patientId: 'p1' })).map((e) => e.at)).toEqual(['2026-01-10T02:00:00.000Z']);
      // `from` inclusive, `to` exclusive.
      expect((await r.audit.query({ from: '2026-01-10T01:00:00.000Z', to: '2026-01-10T03:00:00.000Z' })).map((e) => e.at)).toEqual([
        '2026-01-10T02:00:00.000Z',
        '2026-01-10T01:00:00.000Z',
      ]);
      expect((await r.audit.query({ from: '2026-01-11' })).length).toBe(0);
      expect((await r.audit.query({ to: '2026-01-10' })).length).toBe(0);
      expect((await r.audit.query({ limit: 2 })).map((e) => e.type)).toEqual(['logout', 'login.failure']);
    });

    it('gives 500 events when no limit is asked', async () => {
      const t0 = Date.parse('2026-01-10T00:00:00.000Z');
      await Promise.all(Array.from({ length: 501 }, (_, i) => r.audit.append({ type: 'call.join', actorId: 'u1', consultationId: `c${i}` }, t0 + i)));
      const events = await r.audit.query();
      expect(events).toHaveLength(500);
      expect(events[0]?.consultationId).toBe('c500');
      expect(events[499]?.consultationId).toBe('c1');
    });
  });

  describe('message caps', () => {
    it('refuses past the cap until the oldest send leaves the window, then allows one more', async () => {
      const cap = { max: 3, windowMs: 24 * HOUR };
      const key = [{ scope: 'recipient' as const, id: 'r1', count: 1, cap }];
      const t0 = Date.parse('2026-01-01T08:00:00Z');
      expect((await r.messageCaps.reserve(key, t0)).ok).toBe(true);
      expect((await r.messageCaps.reserve(key, t0 + HOUR)).ok).toBe(true);
      expect((await r.messageCaps.reserve(key, t0 + 2 * HOUR)).ok).toBe(true);
      expect(await r.messageCaps.reserve(key, t0 + 3 * HOUR)).toEqual({ ok: false, scope: 'recipient', id: 'r1', retryAt: t0 + 24 * HOUR });
      expect((await r.messageCaps.reserve(key, t0 + 24 * HOUR + 1)).ok).toBe(true);
      expect((await r.messageCaps.reserve(key, t0 + 24 * HOUR + 2)).ok).toBe(false);
    });

    it('is all or nothing: a request refused on one key counts on none', async () => {
      const small = { max: 1, windowMs: HOUR };
      const large = { max: 10, windowMs: HOUR };
      const now = Date.now();
      expect((await r.messageCaps.reserve([{ scope: 'recipient', id: 'r', count: 1, cap: small }], now)).ok).toBe(true);
      const refused = await r.messageCaps.reserve([{ scope: 'account', id: 'a', count: 1, cap: large }, { scope: 'recipient', id: 'r', count: 1, cap: small }], now);
      expect(refused).toMatchObject({ ok: false, scope: 'recipient', id: 'r', retryAt: now + HOUR });
      expect((await r.messageCaps.reserve([{ scope: 'account', id: 'a', count: 10, cap: large }], now)).ok).toBe(true);
      expect((await r.messageCaps.reserve([{ scope: 'account', id: 'a', count: 1, cap: large }], now)).ok).toBe(false);
    });

    it('lets no more than the cap through when requests come at once', async () => {
      const cap = { max: 5, windowMs: HOUR };
      const now = Date.now();
      const key = [{ scope: 'recipient' as const, id: 'r', count: 1, cap }];
      // One send first: the key exists, the requests race on its count, not on its creation.
      expect(await r.messageCaps.reserve(key, now)).toEqual({ ok: true });
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => r.messageCaps.reserve(key, now)));
      expect(verdicts.filter((v) => v.ok)).toHaveLength(4);
    });
  });
});

describe('PostgreSQL store, several nodes', () => {
  let url: string;
  const nodes: PgStore[] = [];
  const node = async (): Promise<PgStore> => {
    const store = await openPgStore(url, MASTER_KEY);
    nodes.push(store);
    return store;
  };
  beforeEach(async () => {
    // Emptied by a first node, closed at once: the nodes of the test open their own pools.
    await (await emptyStore()).close();
    url = shared!;
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('applies each migration once, whichever node starts first', async () => {
    url = await freshDatabase();
    const [a, b] = await Promise.all([node(), node()]);
    const { rows } = await a.db.query<{ name: string }>('SELECT name FROM relais_migrations ORDER BY name');
    const files = readdirSync(join(import.meta.dirname, 'pg', 'migrations')).filter((f) => f.endsWith('.sql')).sort();
    expect(files.length).toBeGreaterThan(2);
    expect(rows.map((r) => r.name)).toEqual(files);
    expect(await b.db.migrate()).toEqual([]);
  });

  it('counts 20 failed logins made at once on two nodes', async () => {
    const [a, b] = [await node(), await node()];
    const at = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).authState.update('u1', countFailure(at + i))));
    expect((await a.authState.get('u1')).failures).toHaveLength(20);
    expect((await b.authState.get('u1')).failures.sort()).toEqual(Array.from({ length: 20 }, (_, i) => at + i));
  });

  it('lets no more than the cap through across two nodes, keys given in either order, without deadlock', async () => {
    const [a, b] = [await node(), await node()];
    const recipientCap = { max: 5, windowMs: HOUR };
    const accountCap = { max: 100, windowMs: HOUR };
    const now = Date.now();
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const keys = [
          { scope: 'account' as const, id: `a${i % 3}`, count: 1, cap: accountCap },
          { scope: 'recipient' as const, id: 'r', count: 1, cap: recipientCap },
          { scope: 'establishment' as const, id: 'e1', count: 1, cap: accountCap },
        ];
        return (i % 2 ? a : b).messageCaps.reserve(i % 4 < 2 ? keys : keys.reverse(), now);
      }),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5);
    for (const v of verdicts.filter((v) => !v.ok)) expect(v).toEqual({ ok: false, scope: 'recipient', id: 'r', retryAt: now + HOUR });
    // All or nothing: the establishment counted the 5 that passed, not the 25 refused.
    expect(await a.messageCaps.reserve([{ scope: 'establishment', id: 'e1', count: 95, cap: accountCap }], now)).toEqual({ ok: true });
    expect((await b.messageCaps.reserve([{ scope: 'establishment', id: 'e1', count: 1, cap: accountCap }], now)).ok).toBe(false);
  });

  it('gives an identifier to one account only, even from two nodes at once', async () => {
    const [a, b] = [await node(), await node()];
    const results = await Promise.allSettled([a.users.put(user('u1', { identifier: 'Cabinet@Example.fr' })), b.users.put(user('u2', { identifier: 'cabinet@example.fr' }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(IdentifierTakenError);
    expect(await a.users.count()).toBe(1);
  });

  it("moves an account's identifier: the new one finds it, the old one no longer does", async () => {
    const a = await node();
    await a.users.put(user('u1', { identifier: 'ancien@example.fr', rpps: '10001234567' }));
    await a.users.put(user('u1', { identifier: 'nouveau@example.fr', rpps: null }));
    expect((await a.users.byIdentifier('NOUVEAU@example.fr'))?.id).toBe('u1');
    expect(await a.users.byIdentifier('ancien@example.fr')).toBeUndefined();
    expect(await a.users.byRpps('10001234567')).toBeUndefined();
    // The old identifier is free again.
    await a.users.put(user('u2', { identifier: 'ancien@example.fr' }));
    expect((await a.users.byIdentifier('ancien@example.fr'))?.id).toBe('u2');
  });

  it('refuses to edit or delete an audit event', async () => {
    const a = await node();
    await a.audit.append({ type: 'logout', actorId: 'u1' });
    await expect(a.db.query("UPDATE audit SET actor_id = 'u2'")).rejects.toThrow(/append-only/);
    await expect(a.db.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
    expect((await a.audit.query()).map((e) => e.actorId)).toEqual(['u1']);
  });
});

describe('PostgreSQL store at rest', () => {
  let store: PgStore;
  beforeEach(async () => {
    store = await emptyStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('does not open a payload copied to another row, nor an altered one', async () => {
    await store.patients.put(patient('p1', { birthName: 'MARTIN' }));
    await store.patients.put(patient('p2', { birthName: 'DURAND' }));
    await store.users.put(user('u1'));
    await store.users.put(user('u2'));
    // An attacker with write access to the database swaps a record into another row…
    await store.db.query("UPDATE patients SET payload = (SELECT payload FROM patients WHERE id = 'p1') WHERE id = 'p2'");
    await expect(store.patients.get('p2')).rejects.toThrow();
    await expect(store.patients.search(['e1'], { text: 'martin' })).rejects.toThrow();
    // …or the same payload into another table's row with the same key.
    await store.db.query("INSERT INTO auth_states (user_id, payload) SELECT id, payload FROM users WHERE id = 'u1'");
    await expect(store.authState.get('u1')).rejects.toThrow();
    // …or flips one bit.
    await store.db.query("UPDATE users SET payload = overlay(payload placing decode(lpad(to_hex(get_byte(payload, 40) # 1), 2, '0'), 'hex') from 41 for 1) WHERE id = 'u2'");
    await expect(store.users.get('u2')).rejects.toThrow();
    expect((await store.patients.get('p1'))?.birthName).toBe('MARTIN');
  });

  it("keeps a patient's name, contacts and the accounts' identifiers out of every clear column and payload", async () => {
    const secrets = ['QUATREBARBES', 'Zéphyrine', 'ZEPHYRINE', 'zephyrine.q@example.fr', '+33698765432', 'medecin.traitant@example.fr', '10009876543', 'Douleur thoracique'];
    await store.users.put(user('u1', { identifier: 'medecin.traitant@example.fr', rpps: '10009876543', mobile: '+33698765432' }));
    await store.patients.put(patient('p1', { birthName: 'QUATREBARBES', firstNames: 'ZEPHYRINE', usedFirstName: 'Zéphyrine', email: 'zephyrine.q@example.fr', mobile: '+33698765432' }));
    await store.consultations.put({ ...consultation('c1', '2026-03-01T09:00:00.000Z', ['u1']), reason: 'Douleur thoracique' });
    await store.invitations.put({ id: 'i1', consultationId: 'c1', recipient: 'patient', recipientName: 'Zéphyrine QUATREBARBES', channel: 'sms', to: '+33698765432', messageIds: ['m1'], createdAt: '2026-01-01T00:00:00.000Z' });
    await store.messages.put({ ...message('m1', '2026-01-01T00:00:00.000Z', Date.now()), record: { ...message('m1', '2026-01-01T00:00:00.000Z', null).record, to: '+33698765432' } });
    await store.audit.append({ type: 'login.failure', actorId: null, identifier: 'medecin.traitant@example.fr', patientId: 'p1' });
    await store.loginChallenges.put('k1', { userId: 'u1', channel: 'sms', codeHash: null, expiresAt: Date.now(), tries: 0 });
    await store.messageCaps.reserve([{ scope: 'recipient', id: 'hash-of-number', count: 1, cap: { max: 5, windowMs: HOUR } }]);
    await store.authState.update('u1', countFailure(Date.now()));
    await store.sessions.put('h1', { userId: 'u1', createdAt: 0, lastSeenAt: 0 });

    const { rows: columns } = await store.db.query<{ table_name: string; column_name: string; data_type: string }>(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'relais_migrations'",
    );
    const tables = new Set(columns.map((c) => c.table_name));
    expect([...tables].sort()).toEqual(
      expect.arrayContaining(['audit', 'auth_states', 'consultations', 'directory', 'establishments', 'invitations', 'login_challenges', 'message_caps', 'messages', 'patients', 'sessions', 'users']),
    );
    let cells = 0;
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const { rows } = await store.db.query<{ v: string | Buffer | null }>(`SELECT "${column}" AS v FROM "${table}"`);
      for (const { v } of rows) {
        if (v === null) continue;
        cells++;
        // bytea is searched as bytes: the secret in UTF-8, or in Latin-1 as V8's serializer writes it.
        const text = (type === 'bytea' ? (v as Buffer).toString('latin1') : String(v)).toLowerCase();
        for (const secret of secrets) {
          const needles = type === 'bytea' ? [secret, Buffer.from(secret, 'utf8').toString('latin1')] : [secret];
          for (const needle of needles) expect(text.includes(needle.toLowerCase()), `${table}.${column} holds «${secret}»`).toBe(false);
        }
      }
    }
    expect(cells).toBeGreaterThan(30);
    // The lookups still find what they must.
    expect((await store.users.byIdentifier('Medecin.Traitant@example.fr'))?.id).toBe('u1');
    expect((await store.users.byRpps('10009876543'))?.id).toBe('u1');
    expect((await store.patients.search(['e1'], { text: 'quatrebarbes zephyrine' })).map((p) => p.id)).toEqual(['p1']);
  });
});
