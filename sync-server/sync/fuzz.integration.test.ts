/**
 * §8 bad input on the sync socket (issue 7, short form of `npm run soak`): a few hundred random and
 * mutated y-protocols messages against the real server, while a well-behaved editor works on the
 * same document. Seeded, so that a failure can be replayed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, prng, startRelais, synced, waitFor, yClient, type Running, type YClient } from '../testing/harness.ts';
import { docOf, editorAtWork, runFuzzer } from '../testing/fuzz.ts';
import { storedDoc } from '../testing/storedDoc.ts';
import { ficheField } from '../testing/ficheField.ts';

let relais: Running | null = null;
const clients: YClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await relais?.stop();
  relais = null;
});

describe('§8 sync server under bad input', () => {
  it('fuzzed messages leave the server up, the other editors syncing and the stored document unchanged', { timeout: 30_000 }, async () => {
    // Compaction every few edits: a snapshot is where dangling structs once slipped into storage.
    relais = await startRelais({ config: { compactAfter: 10 } });
    const docName = dossierDocName(relais.demo.consultations[0]!.id);
    const token = await login(relais.http, 'dr.demo');
    const a = yClient(relais.ws, docName, token);
    const b = yClient(relais.ws, docName, await login(relais.http, 'ide.demo'));
    clients.push(a, b);
    await waitFor(() => synced(a) && synced(b), 10_000, 'sync');
    const before = Y.encodeStateAsUpdate(await storedDoc(relais.store, docName));

    const editor = editorAtWork(a.doc, a.provider);
    const figures = await runFuzzer(`${relais.ws}/sync/${docName}`, token, prng(7), 400);
    await editor.stop();

    expect(figures.sent).toBe(400);
    // Malformed messages are refused with the named code, never by a crash of the server.
    expect(figures.closes['4400'] ?? 0).toBeGreaterThan(0);
    expect(figures.closes['1006'] ?? 0).toBe(0);
    const notes = ficheField(a.doc).toString();
    await waitFor(() => ficheField(b.doc).toString() === notes, 10_000, 'the other editor sees every edit');
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);

    const expected = docOf(before, editor.typed);
    const stored = await storedDoc(relais.store, docName);
    expect(stored.store.pendingStructs).toBeNull();
    expect(Y.encodeStateVector(stored)).toEqual(Y.encodeStateVector(expected));
    expect(ficheField(stored).toString()).toBe(notes);
    expect(Y.encodeStateAsUpdate(stored)).toEqual(Y.encodeStateAsUpdate(expected));
    // Nor does a newcomer receive any of the fuzzer's structs.
    const newcomer = yClient(relais.ws, docName, token);
    clients.push(newcomer);
    await waitFor(() => synced(newcomer), 10_000, 'newcomer sync');
    expect(newcomer.doc.store.pendingStructs).toBeNull();
    expect(Y.encodeStateVector(newcomer.doc)).toEqual(Y.encodeStateVector(expected));
  });
});
