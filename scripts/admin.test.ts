/** `npm run admin`: establishments and accounts created from the CLI work through the real server. */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelais, type Running } from '../sync-server/testing/harness.ts';
import { runAdmin } from './admin.ts';

let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function admin(args: string): Promise<string[]> {
  const lines: string[] = [];
  // Quoted arguments: "a b" stays one.
  const argv = (args.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"|"$/g, ''));
  await runAdmin(argv, running!.store, (l) => lines.push(l));
  return lines;
}

const post = (http: string, path: string, body: unknown) =>
  fetch(`${http}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('admin CLI', () => {
  it('an id that starts with a dash is taken as the value it is, not as an option', async () => {
    running = await startRelais();
    await running.store.establishments.put({ id: '-dashed_id', name: 'EHPAD Tiret', kind: 'ehpad', retentionDays: 90 });
    await admin('establishment set -dashed_id --retention 30');
    expect((await running.store.establishments.get('-dashed_id'))?.retentionDays).toBe(30);
    const [created] = await admin('user add --identifier t.tiret --name "Tiret" --profession Infirmière --establishment -dashed_id');
    expect(created).toContain('t.tiret');
  });

  it('§1 creates an establishment and a professional who logs in; strong-only forbids the password alone', async () => {
    running = await startRelais();
    const [created] = await admin('establishment add --name "EHPAD Les Lilas" --kind ehpad');
    const id = /id ([A-Za-z0-9_-]+)/.exec(created!)![1]!;
    const lines = await admin(
      `user add --identifier j.dupont --name "Dr Jean Dupont" --profession Médecin --specialty Gériatrie --establishment ${id} --rpps 10001234567 --mobile 0612345678 --email jean.dupont@example.org --mssante jean.dupont@medecin.mssante.fr --password un-mot-de-passe-long`,
    );
    expect(lines[0]).toBe('Compte créé : j.dupont (Dr Jean Dupont, professionnel)');
    const user = (await running.store.users.byIdentifier('j.dupont'))!;
    expect(user).toMatchObject({ rpps: '10001234567', mobile: '+33612345678', specialty: 'Gériatrie', mssante: 'jean.dupont@medecin.mssante.fr', establishmentIds: [id] });
    expect((await post(running.http, '/api/session', { identifier: 'j.dupont', password: 'un-mot-de-passe-long' })).status).toBe(200);

    await admin(`establishment set ${id} --strong-only on`);
    expect((await post(running.http, '/api/session', { identifier: 'j.dupont', password: 'un-mot-de-passe-long' })).status).toBe(403);
  });

  it('refuses bad input with a French message and stores nothing', async () => {
    running = await startRelais();
    const before = (await running.store.users.count());
    await expect(admin(`user add --identifier x.y --name X --profession Médecin --establishment inconnu`)).rejects.toThrow('Établissement inconnu');
    await expect(admin(`user add --identifier x.y --name X --profession Médecin --establishment ${running.demo.establishmentId} --mobile 0140000000`)).rejects.toThrow('mobile invalide');
    await expect(admin(`user add --identifier x.y --name X --profession Médecin --establishment ${running.demo.establishmentId} --rpps 123`)).rejects.toThrow('11 chiffres');
    await expect(admin(`user add --identifier dr.demo --name X --profession Médecin --establishment ${running.demo.establishmentId}`)).rejects.toThrow('existe déjà');
    expect((await running.store.users.count())).toBe(before);
  });

  it('sets a password (generated when not given), a role, and unlocks an account', async () => {
    running = await startRelais();
    const lines = await admin('user set-password ide.demo');
    const password = /: (\S+)$/.exec(lines[1]!)![1]!;
    expect((await post(running.http, '/api/session', { identifier: 'ide.demo', password })).status).toBe(200);
    await admin('user set-role ide.demo admin');
    expect((await running.store.users.byIdentifier('ide.demo'))!.role).toBe('admin');
    for (let i = 0; i < 5; i++) await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'faux' });
    expect((await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' })).status).toBe(429);
    await admin('user unlock dr.demo');
    expect((await post(running.http, '/api/session', { identifier: 'dr.demo', password: 'relais-demo' })).status).toBe(200);
  });

  it('#11 set-role gives the administrator role in the establishments named, and only those', async () => {
    running = await startRelais();
    const [created] = await admin('establishment add --name "Cabinet des Lilas" --kind cabinet');
    const lilas = /id ([A-Za-z0-9_-]+)/.exec(created!)![1]!;
    const tilleuls = running.demo.establishmentId;
    await admin(`user add --identifier p.partage --name "Paul Partagé" --profession Médecin --establishment ${tilleuls} --establishment ${lilas}`);
    expect(await admin(`user set-role p.partage admin --establishment ${lilas}`)).toEqual(['p.partage est maintenant administrateur de Cabinet des Lilas.']);
    expect((await running.store.users.byIdentifier('p.partage'))).toMatchObject({ role: 'admin', adminOf: [lilas] });
    await expect(admin('user set-role p.partage admin --establishment ailleurs')).rejects.toThrow('n’appartient pas');
    await admin(`user set-role p.partage professional --establishment ${lilas}`);
    expect((await running.store.users.byIdentifier('p.partage'))).toMatchObject({ role: 'professional', adminOf: [] });
    // Each change is in the audit of both establishments, by the command line (no actor).
    const details = (await running.store.audit.query()).filter((e) => e.type === 'account.change').map((e) => [e.detail, e.actorId, e.establishmentIds]);
    expect(details).toContainEqual(['rôle administrateur (ligne de commande) : p.partage', null, [tilleuls, lilas]]);
  });
});
