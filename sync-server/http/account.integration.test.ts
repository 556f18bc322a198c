/**
 * «Sécurité du compte» (#11 finding 9): a password change ends the account's other sessions, on
 * every station, and closes the sync sockets they opened; the session that made the change stays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, startRelais, waitFor, type Running } from '../testing/harness.ts';
import { CloseCode } from '../sync/closeCodes.ts';

let running: Running | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await running?.stop();
  running = null;
});

const cookie = (token: string) => ({ Cookie: `relais_session=${token}` });

async function openDossier(r: Running, token: string): Promise<() => number | null> {
  const socket = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}`, { headers: cookie(token) });
  sockets.push(socket);
  let code: number | null = null;
  socket.once('close', (c) => (code = c));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return () => code;
}

const session = (r: Running, token: string) => fetch(`${r.http}/api/session`, { headers: cookie(token) });

describe('#11 a password change ends the other sessions', () => {
  it('the other station gets 401 and its socket closes with 4401; the one that changed it stays', async () => {
    running = await startRelais();
    const r = running;
    const office = await login(r.http, 'dr.demo');
    const ward = await login(r.http, 'dr.demo');
    const officeClosed = await openDossier(r, office);
    const wardClosed = await openDossier(r, ward);

    const res = await fetch(`${r.http}/api/account/password`, {
      method: 'POST',
      headers: { ...cookie(office), 'Content-Type': 'application/json', Origin: r.http },
      body: JSON.stringify({ current: 'relais-demo', next: 'un-nouveau-mot-de-passe' }),
    });
    expect(res.status).toBe(200);

    await waitFor(() => wardClosed() !== null, 3000, 'the other station’s socket closed');
    expect(wardClosed()).toBe(CloseCode.Unauthorized);
    expect(CloseCode.Unauthorized).toBe(4401);
    expect((await session(r, ward)).status).toBe(401);

    expect((await session(r, office)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(officeClosed()).toBeNull();
    await login(r.http, 'dr.demo', 'un-nouveau-mot-de-passe');
  });
});
