/**
 * §1/§9 logging out on one station ends what that station had open: its sync sockets close at once
 * (not at their next reconnect), while the same person's other sessions keep theirs.
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

async function open(r: Running, token: string): Promise<{ socket: WebSocket; closed: () => number | null }> {
  const socket = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}?token=${token}`);
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
    const again = new WebSocket(`${r.ws}/sync/${dossierDocName(r.demo.consultations[0]!.id)}?token=${office}`);
    again.on('error', () => undefined);
    sockets.push(again);
    const status = await new Promise<number>((resolve) => again.once('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(401);
  });
});
