/**
 * §1/§9 logging out on one station ends what that station had open: its sync sockets close at once
 * (not at their next reconnect), while the same person's other sessions keep theirs; a session that
 * reaches its limit closes its sockets too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, sessionHeaders, startRelais, waitFor, type Running } from '../testing/harness.ts';
import { CloseCode } from '../sync/closeCodes.ts';
import { encodeSyncUpdate } from '../sync/protocol.ts';
import { SESSION_IDLE_MS } from './sessions.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { ficheField } from '../testing/ficheField.ts';

let running: Running | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await running?.stop();
  running = null;
});

async function open(r: Running, token: string): Promise<{ socket: WebSocket; closed: () => number | null }> {
  const socket = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}`, { headers: sessionHeaders(token) });
  sockets.push(socket);
  let code: number | null = null;
  socket.once('close', (c) => (code = c));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, closed: () => code };
}

describe('§1 logout', () => {
  it('closes the sockets of the session that logged out, and only those', async () => {
    running = await startRelais();
    const r = running;
    const office = await login(r.http, 'dr.demo');
    const ward = await login(r.http, 'dr.demo');
    const atOffice = await open(r, office);
    const atWard = await open(r, ward);

    const res = await fetch(`${r.http}/api/session`, { method: 'DELETE', headers: { Cookie: `relais_session=${office}` } });
    expect(res.status).toBe(204);
    await waitFor(() => atOffice.closed() !== null, 3000, 'the logged-out station’s socket closed');
    expect(atOffice.closed()).toBe(CloseCode.Unauthorized);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(atWard.closed()).toBeNull();
    expect(atWard.socket.readyState).toBe(WebSocket.OPEN);

    // The ended session cannot open a socket again.
    const again = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}`, { headers: sessionHeaders(office) });
    again.on('error', () => undefined);
    sockets.push(again);
    const status = await new Promise<number>((resolve) => again.once('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('a socket left open closes when its session reaches the idle limit; edits through it count as use', async () => {
    running = await startRelais({ config: { sessionSweepMs: 100 } });
    const r = running;
    const idle = await login(r.http, 'dr.demo');
    const busy = await login(r.http, 'ide.demo');
    const left = await open(r, idle);
    const working = await open(r, busy);
    const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');
    // Both sessions were last used 11 h 59 min ago; one socket now sends an edit, the other is quiet.
    const nearlyIdle = Date.now() - SESSION_IDLE_MS + 60_000;
    for (const token of [idle, busy]) {
      const session = (await r.store.sessions.get(keyOf(token)))!;
      await r.store.sessions.put(keyOf(token), { ...session, lastSeenAt: nearlyIdle });
    }
    // A copy of the dossier as stored, so that the edit lands in a fiche field as a real one does.
    const doc = await storedDoc(r.store, dossierDocName(r.demo.consultations[0]!.id));
    doc.on('update', (update: Uint8Array) => working.socket.send(encodeSyncUpdate(update)));
    ficheField(doc).insert(0, 'Toujours là.');
    await waitFor(async () => (await r.store.sessions.get(keyOf(busy)))!.lastSeenAt > nearlyIdle, 3000, 'the working session touched');
    // Move the quiet session past the limit.
    const quiet = (await r.store.sessions.get(keyOf(idle)))!;
    await r.store.sessions.put(keyOf(idle), { ...quiet, lastSeenAt: Date.now() - SESSION_IDLE_MS - 1000 });
    await waitFor(() => left.closed() !== null, 3000, 'the idle session’s socket closed');
    expect(left.closed()).toBe(CloseCode.Unauthorized);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(working.closed()).toBeNull();
  });
});
