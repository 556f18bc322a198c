/**
 * #14 GET /metrics on the real server, as an operator's Prometheus scrapes it: the figures move
 * with what users do, only this machine (or the bearer of METRICS_TOKEN) reads them, and nothing in
 * them names a document, a patient or a person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import { roomDocName } from '../../schema/room.ts';
import { login, sessionHeaders, startRelais, synced, waitFor, yClient, type Running } from '../testing/harness.ts';
import { metricValue } from '../testing/metricsText.ts';

const TOKEN = 'metrics-token-for-the-test-0123456789';
let relais: Running;

beforeAll(async () => {
  relais = await startRelais({ config: { metricsToken: TOKEN } });
}, 60_000);

afterAll(async () => {
  await relais?.stop();
});

async function scrape(headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${relais.http}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => metricValue(await scrape(), name, labels);

describe('#14 metrics from this machine', () => {
  it('a scrape from loopback lists the server\'s metrics and the event-loop lag', async () => {
    const text = await scrape();
    for (const name of [
      'relais_sync_open_sockets',
      'relais_sync_rooms',
      'relais_sync_updates_stored_total',
      'relais_sync_updates_fanned_out_total',
      'relais_sync_compactions_total',
      'relais_lmdb_commit_seconds_bucket',
      'relais_messaging_outbox_backlog',
      'relais_login_lockouts_total',
      'relais_ready',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, name).toContain(`\n${name}`);
    }
  });

  it('every metric the Grafana dashboard and docs/ops/METRICS.md name exists', async () => {
    const text = await scrape();
    const docs = ['grafana-relais.json', 'METRICS.md'].map((f) => readFileSync(new URL(`../../docs/ops/${f}`, import.meta.url), 'utf8')).join('\n');
    const named = new Set([...docs.matchAll(/\b((?:relais|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')));
    expect(named.size).toBeGreaterThan(15);
    for (const name of named) expect(text, name).toContain(`# TYPE ${name} `);
  });

  it('opening a dossier socket adds one to the open dossier sockets; closing it takes it away', async () => {
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const before = await value('relais_sync_open_sockets', { kind: 'dossier' });
    const rooms = await value('relais_sync_rooms', { kind: 'dossier' });
    const socket = new WebSocket(`${relais.ws}/sync/${docName}`, { headers: sessionHeaders(await login(relais.http, 'dr.demo')) });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await waitFor(() => relais.server.registry.get(docName)?.size === 1, 5000, 'socket in its room');
    expect(await value('relais_sync_open_sockets', { kind: 'dossier' })).toBe(before + 1);
    expect(await value('relais_sync_rooms', { kind: 'dossier' })).toBe(rooms + 1);
    expect(await value('relais_sync_open_sockets', { kind: 'room' })).toBe(0);
    socket.close();
    await waitFor(() => relais.server.registry.get(docName) === undefined, 5000, 'room dropped');
    expect(await value('relais_sync_open_sockets', { kind: 'dossier' })).toBe(before);
  });

  it('an edit between two editors counts as received, stored and fanned out, and its commit is timed', async () => {
    const docName = dossierDocName(relais.demo.consultations[1]!.id);
    const [stored, fanned, received, commits] = await Promise.all([
      value('relais_sync_updates_stored_total'),
      value('relais_sync_updates_fanned_out_total'),
      value('relais_sync_messages_received_total'),
      value('relais_lmdb_commit_seconds_count'),
    ]);
    const a = yClient(relais.ws, docName, await login(relais.http, 'dr.demo'));
    const b = yClient(relais.ws, docName, await login(relais.http, 'ide.demo'));
    try {
      await waitFor(() => synced(a) && synced(b) && new Teledossier(b.doc).isInitialised, 10_000, 'sync');
      new Teledossier(a.doc).field('motif')!.insert(0, 'Plaie du talon.');
      await waitFor(() => new Teledossier(b.doc).ficheText().motif === 'Plaie du talon.', 5000, 'the edit reaching b');
      const text = await scrape();
      expect(metricValue(text, 'relais_sync_updates_stored_total')).toBeGreaterThan(stored);
      expect(metricValue(text, 'relais_sync_updates_fanned_out_total')).toBeGreaterThan(fanned);
      expect(metricValue(text, 'relais_sync_messages_received_total')).toBeGreaterThan(received);
      expect(metricValue(text, 'relais_lmdb_commit_seconds_count')).toBeGreaterThan(commits);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('a scrape is logged under /metrics, a refused one as an unknown path', async () => {
    const accessLine = async (headers: Record<string, string>): Promise<{ route?: string; status?: number }> => {
      const res = await fetch(`${relais.http}/metrics`, { headers });
      const id = res.headers.get('x-request-id');
      let line: { route?: string; status?: number } | undefined;
      await waitFor(() => {
        line = readFileSync(process.env.LOG_FILE!, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { req?: string; route?: string; status?: number })
          .find((l) => l.req === id);
        return line !== undefined;
      });
      return line!;
    };
    expect(await accessLine({})).toMatchObject({ route: '/metrics', status: 200 });
    expect(await accessLine({ 'X-Forwarded-For': '203.0.113.9' })).toMatchObject({ route: '(client)' });
  });

  it('an HTTP request counts under its route pattern and status, not its path', async () => {
    const id = relais.demo.consultations[0]!.id;
    const labels = { route: '/api/consultations/:consultationId', method: 'GET', status: '200' };
    const before = await value('relais_http_requests_total', labels);
    const token = await login(relais.http, 'dr.demo');
    expect((await fetch(`${relais.http}/api/consultations/${id}`, { headers: sessionHeaders(token) })).status).toBe(200);
    expect(await value('relais_http_requests_total', labels)).toBe(before + 1);
    const unauthenticated = { ...labels, status: '401' };
    const refused = await value('relais_http_requests_total', unauthenticated);
    expect((await fetch(`${relais.http}/api/consultations/${id}`)).status).toBe(401);
    expect(await value('relais_http_requests_total', unauthenticated)).toBe(refused + 1);
  });

  it('a failed login counts as a password failure; five lock the account and count a lockout', async () => {
    const failures = await value('relais_logins_total', { method: 'password', outcome: 'failure' });
    const successes = await value('relais_logins_total', { method: 'password', outcome: 'success' });
    const lockouts = await value('relais_login_lockouts_total');
    const attempt = (password: string) =>
      fetch(`${relais.http}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: 'admin.demo', password }) });
    expect((await attempt('wrong-password')).status).toBe(401);
    expect(await value('relais_logins_total', { method: 'password', outcome: 'failure' })).toBe(failures + 1);
    for (let i = 0; i < 3; i++) expect((await attempt('wrong-password')).status).toBe(401);
    expect((await attempt('wrong-password')).status).toBe(429);
    expect(await value('relais_login_lockouts_total')).toBe(lockouts + 1);
    expect((await attempt('relais-demo')).status).toBe(429);
    expect(await value('relais_login_refusals_total', { reason: 'account_locked' })).toBe(1);
    await login(relais.http, 'dr.demo');
    expect(await value('relais_logins_total', { method: 'password', outcome: 'success' })).toBe(successes + 1);
  });

  it('a wrong vault link counts as a vault failure by its code', async () => {
    const before = await value('relais_vault_failures_total', { code: 'vault_not_found' });
    expect((await fetch(`${relais.http}/api/vault/${randomBytes(32).toString('base64url')}`)).status).toBe(404);
    expect(await value('relais_vault_failures_total', { code: 'vault_not_found' })).toBe(before + 1);
  });
});

describe('#14 metrics are not public', () => {
  /** What any unknown path answers: the refusal must look the same, so as not to tell that /metrics exists. */
  async function unknownPath(): Promise<{ status: number; body: string }> {
    const res = await fetch(`${relais.http}/no-such-page`);
    return { status: res.status, body: await res.text() };
  }

  it('through a reverse proxy (X-Forwarded-For) without the token: answered as an unknown path', async () => {
    const expected = await unknownPath();
    const proxied: Record<string, string>[] = [
      { 'X-Forwarded-For': '203.0.113.7' },
      { Forwarded: 'for=203.0.113.7' },
      { 'X-Real-IP': '203.0.113.7' },
      { 'X-Forwarded-For': '203.0.113.7', Authorization: 'Bearer not-the-token-at-all-0000' },
    ];
    for (const headers of proxied) {
      const res = await fetch(`${relais.http}/metrics`, { headers });
      const body = await res.text();
      expect({ status: res.status, body }, JSON.stringify(headers)).toEqual(expected);
      expect(body).not.toContain('relais_');
    }
  });

  it('with the bearer token, from anywhere: the metrics', async () => {
    const text = await scrape({ 'X-Forwarded-For': '203.0.113.7', Authorization: `Bearer ${TOKEN}` });
    expect(text).toContain('relais_sync_open_sockets');
  });

  it('a write method is not a scrape', async () => {
    const res = await fetch(`${relais.http}/metrics`, { method: 'POST' });
    expect(await res.text()).not.toContain('relais_');
  });
});

describe('#14 metrics name no one', () => {
  it('after sockets, logins and requests, no document name, patient, account or e-mail appears', async () => {
    const token = await login(relais.http, 'dr.demo');
    const forbidden: string[] = [relais.demo.establishmentId];
    for (const consultation of relais.demo.consultations) {
      forbidden.push(consultation.id, dossierDocName(consultation.id), roomDocName(consultation.id), consultation.patientId);
      const patient = (await relais.store.patients.get(consultation.patientId));
      if (patient) forbidden.push(patient.birthName, patient.firstNames, patient.email ?? '', patient.mobile ?? '');
      await fetch(`${relais.http}/api/consultations/${consultation.id}`, { headers: sessionHeaders(token) });
    }
    for (const user of [relais.demo.doctor, relais.demo.nurse, relais.demo.admin]) forbidden.push(user.id, user.identifier, user.displayName);
    const room = yClient(relais.ws, roomDocName(relais.demo.consultations[0]!.id), token);
    try {
      await waitFor(() => synced(room), 10_000, 'room sync');
      const text = await scrape();
      expect(text).not.toMatch(/@|dossier\/|room\/|activity\//);
      for (const word of forbidden.filter((w) => w.length >= 3)) expect(text, word).not.toContain(word);
    } finally {
      room.destroy();
    }
  });
});
