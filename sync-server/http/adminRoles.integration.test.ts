/**
 * #11 finding 4, SPEC §9 «an administrator acts only within the establishments they administer»:
 * the administrator role belongs to an establishment membership, an account shared with an
 * establishment the administrator does not administer cannot be reset or unlocked by them, and
 * every account change is in the audit of every establishment concerned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisionalPasswordResponse } from '../../schema/adminAccounts.ts';
import { createUser, newId } from '../../scripts/demo.ts';
import { runAdmin } from '../../scripts/admin.ts';
import { login, startRelais, type Running } from '../testing/harness.ts';

let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function call<T>(r: Running, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${r.http}${path}`, {
    method,
    headers: { Cookie: `relais_session=${token}`, 'Content-Type': 'application/json', Origin: r.http },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

interface AuditBody {
  events: { type: string; actorId: string | null; detail?: string }[];
}

const PASSWORD = 'mot-de-passe-partage';

/**
 * The demo EHPAD (A, administered by admin.demo) and a cabinet B with its own administrator and a
 * patient; p.partage works in both.
 */
async function twoEstablishments(r: Running) {
  const b = newId();
  await r.store.establishments.put({ id: b, name: 'Cabinet des Lilas', kind: 'cabinet', retentionDays: 90 });
  await r.store.patients.put({ id: newId(), establishmentId: b, birthName: 'GARNIER', firstNames: 'LOUISE', usedName: null, birthDate: '1940-02-03', sex: 'F', email: null, mobile: '+33611111111' });
  const shared = await createUser(r.store, { identifier: 'p.partage', displayName: 'Paul Partagé', profession: 'Médecin', establishmentIds: [r.demo.establishmentId, b] }, PASSWORD);
  await createUser(r.store, { identifier: 'admin.lilas', displayName: 'Admin Lilas', profession: 'Cadre', establishmentIds: [b], role: 'admin' }, PASSWORD);
  return { b, shared };
}

describe('#11 roles per establishment', () => {
  it('an administrator of A alone cannot take over an account shared with B (reset or unlock): 403, nothing changed', async () => {
    running = await startRelais();
    const r = running;
    const { shared } = await twoEstablishments(r);
    const adminA = await login(r.http, 'admin.demo');
    const hashBefore = (await r.store.users.get(shared.id))!.passwordHash;

    const reset = await call<ProvisionalPasswordResponse & { message: string }>(r, adminA, 'POST', `/api/admin/accounts/${shared.id}/password`);
    expect(reset.status).toBe(403);
    expect(reset.body.message).toContain('Cabinet des Lilas');
    expect(reset.body.message).toContain('un administrateur de cet établissement doit le faire');
    expect(reset.body.password).toBeUndefined();
    expect((await r.store.users.get(shared.id))!.passwordHash).toBe(hashBefore);
    // The account still logs in with its own password only: through it, B's patients would be in reach.
    const sharedSession = await login(r.http, 'p.partage', PASSWORD);
    expect((await call<{ patients: unknown[] }>(r, sharedSession, 'GET', '/api/patients?q=GARNIER')).body.patients).toHaveLength(1);

    const unlock = await call<{ message: string }>(r, adminA, 'POST', `/api/admin/accounts/${shared.id}/unlock`);
    expect(unlock.status).toBe(403);
    expect(unlock.body.message).toContain('un administrateur de cet établissement doit le faire');
  });

  it('B’s audit shows the changes made to an account shared with B, and the refused attempt', async () => {
    running = await startRelais();
    const r = running;
    const { b, shared } = await twoEstablishments(r);
    // An administrator of both establishments may reset the shared account.
    await createUser(r.store, { identifier: 'admin.both', displayName: 'Admin des deux', profession: 'Cadre', establishmentIds: [r.demo.establishmentId, b], role: 'admin' }, PASSWORD);
    const adminBoth = await login(r.http, 'admin.both', PASSWORD);
    expect((await call(r, adminBoth, 'POST', `/api/admin/accounts/${shared.id}/password`)).status).toBe(200);
    const adminA = await login(r.http, 'admin.demo');
    expect((await call(r, adminA, 'POST', `/api/admin/accounts/${shared.id}/password`)).status).toBe(403);
    // The operator's command line is audited too, in every establishment of the account.
    await runAdmin(['user', 'unlock', 'p.partage'], r.store, () => undefined);

    const adminB = await login(r.http, 'admin.lilas', PASSWORD);
    const seenByB = (await call<AuditBody>(r, adminB, 'GET', '/api/audit')).body.events.filter((e) => e.type === 'account.change').map((e) => e.detail);
    expect(seenByB).toContain('mot de passe provisoire donné : p.partage');
    expect(seenByB).toContain('refusé : mot de passe provisoire pour p.partage');
    expect(seenByB).toContain('compte débloqué (ligne de commande) : p.partage');
    const seenByA = (await call<AuditBody>(r, adminA, 'GET', '/api/audit')).body.events.map((e) => e.detail);
    expect(seenByA).toContain('compte débloqué (ligne de commande) : p.partage');
  });

  it('an administrator of A who is a professional in B reads neither B’s audit nor B’s accounts', async () => {
    running = await startRelais();
    const r = running;
    const { b } = await twoEstablishments(r);
    await createUser(r.store, { identifier: 'admin.a-pro.b', displayName: 'Admin A pro B', profession: 'Cadre', establishmentIds: [r.demo.establishmentId, b], role: 'admin', adminOf: [r.demo.establishmentId] }, PASSWORD);
    // An event of B only: B's administrator logged in.
    await login(r.http, 'admin.lilas', PASSWORD);
    const mixed = await login(r.http, 'admin.a-pro.b', PASSWORD);
    const seen = (await call<AuditBody>(r, mixed, 'GET', '/api/audit')).body.events;
    const lilas = (await r.store.users.byIdentifier('admin.lilas'))!.id;
    expect(seen.some((e) => e.type === 'login.success' && e.actorId === lilas)).toBe(false);
    const list = await call<{ accounts: { identifier: string }[]; establishments: { id: string }[] }>(r, mixed, 'GET', '/api/admin/accounts');
    expect(list.body.establishments.map((e) => e.id)).toEqual([r.demo.establishmentId]);
    expect(list.body.accounts.map((a) => a.identifier)).not.toContain('admin.lilas');
    expect((await call(r, mixed, 'POST', '/api/admin/accounts', { identifier: 'x.lilas', displayName: 'X', profession: 'Médecin', establishmentId: b })).status).toBe(400);
  });

  it('an administrator stored before roles per establishment administers each establishment they belong to', async () => {
    running = await startRelais();
    const r = running;
    const { b } = await twoEstablishments(r);
    const legacy = await createUser(r.store, { identifier: 'admin.ancien', displayName: 'Admin ancien', profession: 'Cadre', establishmentIds: [r.demo.establishmentId, b] }, PASSWORD);
    // As stored by an earlier version: a global role, no list of administered establishments.
    const { adminOf: _dropped, ...stored } = { ...legacy, role: 'admin' as const };
    await r.store.dbs.users.put(legacy.id, stored);
    expect((await r.store.users.get(legacy.id))!.adminOf).toEqual([r.demo.establishmentId, b]);
    const token = await login(r.http, 'admin.ancien', PASSWORD);
    const list = await call<{ establishments: { id: string }[] }>(r, token, 'GET', '/api/admin/accounts');
    expect(list.body.establishments.map((e) => e.id).sort()).toEqual([r.demo.establishmentId, b].sort());
  });
});
