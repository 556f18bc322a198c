/**
 * §9 «A server crash loses no edit that a client still holds»: the server runs in its own process,
 * is killed with SIGKILL in the middle of a burst of edits, and restarted on the same data dir.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as Y from 'yjs';
import { Teledossier, dossierDocName } from '../schema/dossier.ts';
import { login, synced, waitFor, yClient, type YClient } from './testing/harness.ts';
import { startSeededServerProcess, startServerProcess } from './testing/serverProcess.ts';

let child: ChildProcess | null = null;
let dataDir = '';
const clients: YClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  child?.kill('SIGKILL');
  child = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('§9 crash safety', () => {
  // Three server processes start in this test: on a loaded 2-core machine that alone takes seconds.
  it('a server killed with SIGKILL during a burst of edits, then restarted, ends with nothing typed missing', { timeout: 120_000 }, async () => {
    const started = await startSeededServerProcess();
    ({ dataDir, child } = started);
    const { demo, port, http, ws } = started;
    const docName = dossierDocName(demo.consultations[0]!.id);
    const a = yClient(ws, docName, await login(http, 'dr.demo'));
    const b = yClient(ws, docName, await login(http, 'ide.demo'));
    clients.push(a, b);
    const fiche = (c: YClient) => new Teledossier(c.doc);
    await waitFor(() => synced(a) && synced(b) && fiche(a).isInitialised && fiche(b).isInitialised, 10_000, 'initial sync');

    const typed: string[] = [];
    let killed = false;
    const burst = async (c: YClient, who: string) => {
      for (let i = 0; i < 200; i++) {
        const word = `${who}${i} `;
        typed.push(word);
        const text = fiche(c).field(i % 2 ? 'examenClinique' : 'conduiteATenir')!;
        text.insert(text.length, word);
        await new Promise((r) => setTimeout(r, 3));
        if (!killed && who === 'A' && i === 80) {
          killed = true;
          child!.kill('SIGKILL');
          await new Promise((r) => child!.once('exit', r));
          setTimeout(() => void startServerProcess(port, dataDir).then((p) => (child = p)), 300);
        }
      }
    };
    await Promise.all([burst(a, 'A'), burst(b, 'B')]);
    expect(killed).toBe(true);

    const all = (c: YClient) => fiche(c).ficheText().examenClinique + fiche(c).ficheText().conduiteATenir;
    const converged = () =>
      synced(a) && synced(b) && Y.encodeStateVector(a.doc).toString() === Y.encodeStateVector(b.doc).toString();
    await waitFor(converged, 20_000, 'convergence after restart');
    for (const word of typed) expect(all(a)).toContain(word);
    expect(all(b)).toBe(all(a));

    // What the clients hold was stored: another kill and restart, then a newcomer sees it all.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    a.provider.disconnect();
    b.provider.disconnect();
    child = await startServerProcess(port, dataDir);
    const c = yClient(ws, docName, await login(http, 'dr.demo'));
    clients.push(c);
    await waitFor(() => synced(c) && fiche(c).isInitialised, 10_000, 'newcomer sync');
    expect(all(c)).toBe(all(a));
  });
});
