/** SPEC §9: the audit log, read by an establishment administrator, filtered by person, patient and date. */
import { afterEach, describe, expect, it } from 'vitest';
import { login, startRelais, type Running } from '../testing/harness.ts';
import { createUser, newId } from '../../scripts/demo.ts';
import { audit } from './audit.ts';
import { parisToday } from '../../schema/identity.ts';

let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

interface AuditBody {
  events: { type: string; actorId: string | null; actorName: string | null; patientId?: string; at: string }[];
}

async function read(r: Running, token: string, query = ''): Promise<{ status: number; body: AuditBody }> {
  const res = await fetch(`${r.http}/api/audit${query}`, { headers: { Cookie: `relais_session=${token}` } });
  return { status: res.status, body: (await res.json()) as AuditBody };
}

describe('§9 audit log', () => {
  it('§9 filters by person, by patient (sends and downloads included) and by date', async () => {
    running = await startRelais();
    const r = running;
    const consultation = r.demo.consultations[0]!;
    await login(r.http, 'dr.demo');
    await login(r.http, 'ide.demo');
    // A download audited by another module names only the consultation: the patient is filled in.
    await audit({ store: r.store }, { type: 'document.download', actorId: r.demo.nurse.id, consultationId: consultation.id, detail: 'dossier' });
    const admin = await login(r.http, 'admin.demo');

    const byDoctor = await read(r, admin, `?person=${r.demo.doctor.id}`);
    expect(byDoctor.status).toBe(200);
    expect(byDoctor.body.events.map((e) => e.type)).toEqual(['login.success']);
    expect(byDoctor.body.events[0]!.actorName).toBe('Dr Claire Martin');

    const byPatient = await read(r, admin, `?patient=${consultation.patientId}`);
    expect(byPatient.body.events.map((e) => e.type)).toEqual(['document.download']);

    const today = parisToday(Date.now());
    expect((await read(r, admin, `?from=${today}&to=${today}`)).body.events.length).toBeGreaterThanOrEqual(4);
    expect((await read(r, admin, '?to=2000-01-01')).body.events).toEqual([]);
    const bad = await read(r, admin, '?from=hier');
    expect(bad.status).toBe(400);
  });

  it('§9 only administrators read it, and only about their establishments', async () => {
    running = await startRelais();
    const r = running;
    const doctor = await login(r.http, 'dr.demo');
    expect((await read(r, doctor)).status).toBe(403);
    const elsewhere = newId();
    await r.store.establishments.put({ id: elsewhere, name: 'Autre EHPAD', kind: 'ehpad', retentionDays: 90 });
    await createUser(r.store, { identifier: 'admin.ailleurs', displayName: 'Admin ailleurs', profession: 'Cadre', color: '#000000', establishmentIds: [elsewhere], role: 'admin' }, 'mot-de-passe-test');
    const otherAdmin = await login(r.http, 'admin.ailleurs', 'mot-de-passe-test');
    const seen = (await read(r, otherAdmin)).body.events;
    expect(seen.every((e) => e.actorName === 'Admin ailleurs')).toBe(true);
    expect(seen.some((e) => e.actorId === r.demo.doctor.id)).toBe(false);
  });

  it('§9 a day of the filter is a day in Paris: 23:30 belongs to that day, 00:30 to the next', async () => {
    running = await startRelais();
    const r = running;
    const admin = await login(r.http, 'admin.demo');
    // 15 January 2026, Paris is UTC+1: 23:30 there is 22:30Z, and 00:30 on the 16th is 23:30Z on the 15th.
    await r.store.audit.append({ type: 'document.download', actorId: r.demo.doctor.id, detail: 'tard le 15' }, Date.parse('2026-01-15T22:30:00Z'));
    await r.store.audit.append({ type: 'document.download', actorId: r.demo.doctor.id, detail: 'tôt le 16' }, Date.parse('2026-01-15T23:30:00Z'));
    const on15 = await read(r, admin, '?from=2026-01-15&to=2026-01-15');
    expect(on15.body.events.map((e) => (e as { detail?: string }).detail)).toEqual(['tard le 15']);
    const on16 = await read(r, admin, '?from=2026-01-16&to=2026-01-16');
    expect(on16.body.events.map((e) => (e as { detail?: string }).detail)).toEqual(['tôt le 16']);
    expect((await read(r, admin, '?from=2026-02-30')).status).toBe(400);
  });
});
