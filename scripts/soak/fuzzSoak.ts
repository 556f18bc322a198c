/**
 * Soak (ii): fuzzers send random and mutated y-protocols messages to the real server for a bounded
 * time while a well-behaved editor works on the same document. The server must stay up, the
 * editor's peer must see every edit, and the stored document must hold exactly the editor's work.
 */
import * as Y from 'yjs';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, prng, startRelais, synced, waitFor, yClient } from '../../sync-server/testing/harness.ts';
import { docOf, editorAtWork, runFuzzer, type FuzzFigures } from '../../sync-server/testing/fuzz.ts';
import { storedDoc } from '../../sync-server/testing/storedDoc.ts';
import { ficheField } from '../../sync-server/testing/ficheField.ts';

export interface FuzzSoakFigures {
  seed: number;
  seconds: number;
  fuzzers: number;
  sent: number;
  byKind: Record<string, number>;
  closes: Record<string, number>;
  editsByEditor: number;
  serverRssMb: number;
  ok: boolean;
  failures: string[];
}

export async function fuzzSoak(seconds: number, seed: number, fuzzers: number): Promise<FuzzSoakFigures> {
  const relais = await startRelais();
  const failures: string[] = [];
  const docName = dossierDocName(relais.demo.consultations[0]!.id);
  const token = await login(relais.http, 'dr.demo');
  const a = yClient(relais.ws, docName, token);
  const b = yClient(relais.ws, docName, await login(relais.http, 'ide.demo'));
  try {
    await waitFor(() => synced(a) && synced(b), 10_000, 'sync');
    const before = Y.encodeStateAsUpdate(await storedDoc(relais.store, docName));
    const editor = editorAtWork(a.doc, a.provider);
    const until = Date.now() + seconds * 1000;
    const runs = await Promise.all(
      Array.from({ length: fuzzers }, (_, i) => runFuzzer(`${relais.ws}/sync/${docName}`, token, prng(seed + i), Number.POSITIVE_INFINITY, until)),
    );
    const edits = await editor.stop();

    const notes = ficheField(a.doc).toString();
    try {
      await waitFor(() => ficheField(b.doc).toString() === notes, 15_000, 'the other editor sees every edit');
    } catch (e) {
      failures.push(String(e));
    }
    const health = await fetch(`${relais.http}/api/session`).then((r) => r.status, () => 0);
    if (health === 0) failures.push('server stopped answering HTTP');
    const expected = docOf(before, editor.typed);
    const stored = await storedDoc(relais.store, docName);
    if (stored.store.pendingStructs) failures.push('stored document holds dangling structs');
    if (ficheField(stored).toString() !== notes) failures.push('stored notes differ from what the editor typed');
    if (Buffer.compare(Buffer.from(Y.encodeStateAsUpdate(stored)), Buffer.from(Y.encodeStateAsUpdate(expected))) !== 0) {
      failures.push('stored document differs from before ∪ editor');
    }
    const merged: FuzzFigures = { sent: 0, byKind: {}, closes: {} };
    for (const r of runs) {
      merged.sent += r.sent;
      for (const [k, n] of Object.entries(r.byKind)) merged.byKind[k] = (merged.byKind[k] ?? 0) + n;
      for (const [k, n] of Object.entries(r.closes)) merged.closes[k] = (merged.closes[k] ?? 0) + n;
    }
    if (merged.closes['1006']) failures.push(`${merged.closes['1006']} sockets dropped without a close frame`);
    return {
      seed,
      seconds,
      fuzzers,
      sent: merged.sent,
      byKind: merged.byKind,
      closes: merged.closes,
      editsByEditor: edits,
      serverRssMb: Math.round(process.memoryUsage().rss / 1e6),
      ok: failures.length === 0,
      failures,
    };
  } finally {
    a.destroy();
    b.destroy();
    await relais.stop();
  }
}
