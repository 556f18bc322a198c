/**
 * #12 The REST contract (schema/routes.ts) is enforced at the server's edge: a body or query the
 * table refuses answers 400 naming the field, in French, and nothing is stored. Through the real
 * server: what a hand-written client or a hostile one would see.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startRelais, type Running } from '../testing/harness.ts';

let relais: Running;
let doctor: string;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${relais.http}${path}`, {
    method,
    headers: { Cookie: `relais_session=${doctor}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

const identity = { birthName: 'Roussel', firstNames: 'Claire', birthDate: '1938-05-12', sex: 'F' };
const patientCount = async (): Promise<number> => (await relais.store.patients.search([relais.demo.establishmentId], { text: 'Roussel' })).length;

beforeAll(async () => {
  relais = await startRelais();
  doctor = await login(relais.http, 'dr.demo');
}, 60_000);

afterAll(async () => {
  await relais?.stop();
});

describe('#12 the contract refuses junk at the edge, naming the field, storing nothing', () => {
  it('an identity whose e-mail is a number: 400 naming « adresse e-mail », no identity stored', async () => {
    const before = await patientCount();
    const res = await api('POST', '/api/patients', { ...identity, email: 42 });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'invalid_request', message: 'Champ « adresse e-mail » : texte attendu.', field: 'email' });
    expect(await patientCount()).toBe(before);
  });

  it('a consultation whose motive is not text: 400 naming « motif », nothing created', async () => {
    const before = (await relais.store.consultations.forParticipant(relais.demo.doctor.id)).length;
    const res = await api('POST', '/api/consultations', {
      patientId: 'x',
      consent: { givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() },
      patientContacts: { email: 'a@example.org', mobile: null },
      companion: { kind: 'none' },
      slot: { mode: 'now', durationMinutes: 20 },
      reason: { text: 'Plaie' },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_request', field: 'reason', message: 'Champ « motif » : texte attendu.' });
    expect((await relais.store.consultations.forParticipant(relais.demo.doctor.id)).length).toBe(before);
  });

  it('a nested field is named by its path', async () => {
    const res = await api('POST', '/api/consultations', { consent: { givenAt: 1 } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'invalid_request', field: 'consent.givenAt', message: 'Champ « consent.givenAt » : texte attendu.' });
  });

  it('a body that is not an object, and malformed JSON, are refused as before', async () => {
    expect((await api('POST', '/api/consultations/instant', '"texte"')).json).toMatchObject({ error: 'invalid_request', message: 'La requête est mal formée.' });
    expect((await api('POST', '/api/consultations/instant', '{')).json).toMatchObject({ error: 'invalid_json' });
  });

  it('the session and the target are checked before the body, as before', async () => {
    const res = await fetch(`${relais.http}/api/patients`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 42 }) });
    expect(res.status).toBe(401);
  });

  it('an id the table refuses is a path no route has (404), a known path with another method 405', async () => {
    expect((await api('GET', `/api/patients/${'x'.repeat(65)}`)).status).toBe(404);
    expect((await api('PATCH', '/api/patients')).status).toBe(405);
    expect((await api('GET', '/api/health')).json).toEqual({ status: 'ok' });
  });
});

describe('#12 GET /api/openapi.json publishes the table', () => {
  it('serves the same document as docs/openapi.json, without a session', async () => {
    const res = await fetch(`${relais.http}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const copy = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(await res.json()).toEqual(copy);
  });
});
