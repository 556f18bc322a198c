/**
 * §9 a full disk (issue 7): the server process may not grow its files any more (RLIMIT_FSIZE set
 * on it while it runs, so LMDB's writes fail with EFBIG as on a full disk). A small LMDB map size
 * cannot simulate this: lmdb-js grows its map by itself.
 * The editor's socket gets the named close, nothing unstored is served, other documents still read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { dossierDocName } from '../schema/dossier.ts';
import { openStore } from './store/index.ts';
import { login, sessionHeaders, synced, waitFor, yClient, type YClient } from './testing/harness.ts';
import { startSeededServerProcess } from './testing/serverProcess.ts';
import { storedDoc } from './testing/storedDoc.ts';
import { ficheField } from './testing/ficheField.ts';
import { CloseCode } from './sync/closeCodes.ts';
import { encodeSyncUpdate } from './sync/protocol.ts';

let child: ChildProcess | null = null;
let dataDir = '';
const clients: YClient[] = [];
const sockets: WebSocket[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of sockets.splice(0)) s.terminate();
  child?.kill('SIGKILL');
  child = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});



describe('§9 storage failure', () => {
  it('when the disk is full the editor is closed with 4507, nothing unstored is served, other documents still open', { timeout: 60_000 }, async () => {
    const started = await startSeededServerProcess();
    ({ dataDir, child } = started);
    const { demo, http, ws } = started;
    const full = dossierDocName(demo.consultations[0]!.id);
    const other = dossierDocName(demo.consultations[1]!.id);
    const token = await login(http, 'dr.demo');
    const otherToken = await login(http, 'ide.demo');
    const onOther = yClient(ws, other, otherToken);
    clients.push(onOther);
    await waitFor(() => synced(onOther), 10_000, 'sync on the other document');

    const writer = new WebSocket(`${ws}/sync/${full}`, { headers: sessionHeaders(token) });
    sockets.push(writer);
    await new Promise((resolve, reject) => writer.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => writer.once('close', (code) => resolve(code)));
    let closeCode: number | null = null;
    void closed.then((code) => (closeCode = code));

    // From now on the server's files may grow by a few edits, no more: the next LMDB page past
    // that fails to write.
    const size = statSync(join(dataDir, 'lmdb', 'data.mdb')).size;
    execFileSync('prlimit', ['--pid', String(child.pid), `--fsize=${size + 200_000}`]);

    // The writer's copy starts from the dossier as served, so that it types in a fiche field.
    const first = yClient(ws, full, token);
    await waitFor(() => synced(first), 10_000, 'sync on the full document');
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(first.doc));
    first.destroy();
    source.on('update', (u: Uint8Array) => {
      if (writer.readyState === WebSocket.OPEN) writer.send(encodeSyncUpdate(u));
    });
    let sent = 0;
    for (; sent < 400 && closeCode === null; sent++) {
      ficheField(source).insert(ficheField(source).length, `[${sent}]${'x'.repeat(20_000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await closed).toBe(CloseCode.StorageFailed);

    // A newcomer on that document is served only what was stored.
    const newcomer = yClient(ws, full, token);
    clients.push(newcomer);
    await waitFor(() => synced(newcomer), 10_000, 'newcomer sync');
    const served = ficheField(newcomer.doc).toString();
    expect(served.length).toBeLessThan(ficheField(source).length);
    expect(served.length).toBeGreaterThan(0);

    // The other document still opens and reads, and its open socket was left alone.
    const reader = yClient(ws, other, token);
    clients.push(reader);
    await waitFor(() => synced(reader), 10_000, 'a new reader of the other document');
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(onOther.doc));
    expect(onOther.provider.wsconnected).toBe(true);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = null;
    const store = openStore(dataDir);
    try {
      expect(ficheField(await storedDoc(store, full)).toString()).toBe(served);
    } finally {
      await store.close();
    }
  });
});
