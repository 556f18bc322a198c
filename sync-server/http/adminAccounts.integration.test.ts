/**
 * «Comptes» (SPEC actors: the establishment administrator manages its accounts, CLI first, page
 * later): who may, what bad input gets, and that what the page does works for the person concerned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dossierDocName } from '../../schema/dossier.ts';
import type { AccountsResponse, ProvisionalPasswordResponse } from '../../schema/adminAccounts.ts';
import { createUser, newId } from '../../scripts/demo.ts';
import { login, sessionHeaders, startRelais, waitFor, type Running } from '../testing/harness.ts';

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

const newAccount = (r: Running, extra: Record<string, unknown> = {}) => ({
  identifier: 'm.bernard',
  displayName: 'Marie Bernard',
  profession: 'Infirmière',
  establishmentId: r.demo.establishmentId,
  mobile: '06 12 34 56 78',
  ...extra,
});

describe('«Comptes»: establishment administrators manage accounts', () => {
  it('lists the accounts of the establishment, creates one whose provisional password logs in, audited', async () => {
    running = await startRelais();
    const r = running;
    const admin = await login(r.http, 'admin.demo');
    const list = await call<AccountsResponse>(r, admin, 'GET', '/api/admin/accounts');
    expect(list.status).toBe(200);
    expect(list.body.accounts.map((a) => a.identifier)).toEqual(expect.arrayContaining(['dr.demo', 'ide.demo', 'admin.demo']));
    expect(list.body.establishments.map((e) => e.id)).toEqual([r.demo.establishmentId]);
    expect(JSON.stringify(list.body)).not.toContain('passwordHash');

    const created = await call<ProvisionalPasswordResponse>(r, admin, 'POST', '/api/admin/accounts', newAccount(r));
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ identifier: 'm.bernard', mobile: '+33612345678', role: 'professional', locked: false });
    expect(created.body.password.length).toBeGreaterThanOrEqual(12);
    await login(r.http, 'm.bernard', created.body.password);
    const events = (await r.store.audit.query({ actorId: r.demo.admin.id }));
    expect(events.map((e) => e.detail)).toContain('compte créé : m.bernard');
  });

  it('refuses a professional, bad input and someone else’s establishment, storing nothing', async () => {
    running = await startRelais();
    const r = running;
    const doctor = await login(r.http, 'dr.demo');
    expect((await call(r, doctor, 'GET', '/api/admin/accounts')).status).toBe(403);
    expect((await call(r, doctor, 'POST', '/api/admin/accounts', newAccount(r))).status).toBe(403);
    const admin = await login(r.http, 'admin.demo');
    const count = (await r.store.users.count());
    const cases: [Record<string, unknown>, number, string][] = [
      [{ identifier: 'a b' }, 400, 'Identifiant'],
      [{ identifier: 'dr.demo' }, 409, 'existe déjà'],
      [{ rpps: '123' }, 400, '11 chiffres'],
      [{ mobile: '12' }, 400, 'mobile invalide'],
      [{ email: 'pas-une-adresse' }, 400, 'e-mail invalide'],
      [{ displayName: '' }, 400, 'nom affiché'],
      [{ role: 'superuser' }, 400, 'Rôle'],
      [{ establishmentId: 'ailleurs' }, 400, 'vos établissements'],
    ];
    for (const [change, status, message] of cases) {
      const res = await call<{ message: string }>(r, admin, 'POST', '/api/admin/accounts', newAccount(r, change));
      expect(res.status, JSON.stringify(change)).toBe(status);
      expect(res.body.message).toContain(message);
    }
    expect((await r.store.users.count())).toBe(count);

    // An account of another establishment is invisible and untouchable.
    const elsewhere = newId();
    await r.store.establishments.put({ id: elsewhere, name: 'Cabinet ailleurs', kind: 'cabinet', retentionDays: 90 });
    const stranger = await createUser(r.store, { identifier: 'x.ailleurs', displayName: 'X Ailleurs', profession: 'Médecin', color: '#000', establishmentIds: [elsewhere] }, 'mot-de-passe-long');
    const list = await call<AccountsResponse>(r, admin, 'GET', '/api/admin/accounts');
    expect(list.body.accounts.map((a) => a.identifier)).not.toContain('x.ailleurs');
    expect((await call(r, admin, 'POST', `/api/admin/accounts/${stranger.id}/password`)).status).toBe(404);
    expect((await call(r, admin, 'POST', `/api/admin/accounts/${stranger.id}/unlock`)).status).toBe(404);
    await login(r.http, 'x.ailleurs', 'mot-de-passe-long');
  });

  it('a new provisional password ends the old one and the account’s open documents; a lock is lifted', async () => {
    running = await startRelais();
    const r = running;
    const nurse = await login(r.http, 'ide.demo');
    const socket = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}`, { headers: sessionHeaders(nurse) });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    let closeCode = 0;
    socket.once('close', (code) => (closeCode = code));

    const admin = await login(r.http, 'admin.demo');
    const reset = await call<ProvisionalPasswordResponse>(r, admin, 'POST', `/api/admin/accounts/${r.demo.nurse.id}/password`);
    expect(reset.status).toBe(200);
    await waitFor(() => closeCode !== 0, 3000, 'the nurse’s socket closed');
    expect(closeCode).toBe(4401);
    await expect(login(r.http, 'ide.demo')).rejects.toThrow('401');
    expect((await call(r, nurse, 'GET', '/api/session')).status).toBe(401);
    await login(r.http, 'ide.demo', reset.body.password);
    // An administrator's own password is changed on «Sécurité du compte», which asks for the current one.
    expect((await call(r, admin, 'POST', `/api/admin/accounts/${r.demo.admin.id}/password`)).status).toBe(400);

    for (let i = 0; i < 5; i++) await login(r.http, 'dr.demo', 'mauvais-mot-de-passe').catch(() => undefined);
    await expect(login(r.http, 'dr.demo')).rejects.toThrow();
    const list = await call<AccountsResponse>(r, admin, 'GET', '/api/admin/accounts');
    expect(list.body.accounts.find((a) => a.identifier === 'dr.demo')?.locked).toBe(true);
    const unlocked = await call<{ account: { locked: boolean } }>(r, admin, 'POST', `/api/admin/accounts/${r.demo.doctor.id}/unlock`);
    expect(unlocked.body.account.locked).toBe(false);
    await login(r.http, 'dr.demo');
  });
});
