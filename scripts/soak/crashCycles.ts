/**
 * Soak (i): the sync server, in its own process, is killed with SIGKILL under write load and
 * restarted, `cycles` times. Then every document must hold every word its clients typed, and the
 * LMDB environment must open and read as is (no repair step exists to run).
 */
import type { ChildProcess } from 'node:child_process';
import { seedDemo } from '../demo.ts';
import { openStore } from '../../sync-server/store/index.ts';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, synced, waitFor, yClient, type YClient } from '../../sync-server/testing/harness.ts';
import { storedDoc } from '../../sync-server/testing/storedDoc.ts';
import { ficheField } from '../../sync-server/testing/ficheField.ts';
import { freePort, startServerProcess } from '../../sync-server/testing/serverProcess.ts';




const kill = async (proc: ChildProcess): Promise<void> => {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
};

export interface CrashFigures {
  cycles: number;
  docs: number;
  clients: number;
  wordsTyped: number;
  wordsMissing: number;
  restartMedianMs: number;
  convergeMs: number;
  storedBytes: number;
  ok: boolean;
}

export async function crashCycles(dataDir: string, cycles: number, log: (line: string) => void): Promise<CrashFigures> {
  const seedStore = openStore(dataDir);
  const demo = await seedDemo(seedStore);
  await seedStore.close();
  const port = await freePort();
  let child = await startServerProcess(port, dataDir);
  const http = `http://127.0.0.1:${port}`;
  const ws = `ws://127.0.0.1:${port}`;
  const docNames = demo.consultations.slice(0, 3).map((c) => dossierDocName(c.id));
  const tokens = [await login(http, 'dr.demo'), await login(http, 'ide.demo')];
  const clients: { c: YClient; doc: string; tag: string; typed: string[] }[] = [];
  for (const [d, doc] of docNames.entries()) {
    for (const [t, token] of tokens.entries()) clients.push({ c: yClient(ws, doc, token), doc, tag: `d${d}c${t}`, typed: [] });
  }
  await waitFor(() => clients.every((x) => synced(x.c)), 20_000, 'initial sync');

  let typing = true;
  const typers = clients.map(async (x) => {
    for (let i = 0; typing; i++) {
      const word = `${x.tag}w${i} `;
      const text = ficheField(x.c.doc);
      text.insert(text.length, word);
      x.typed.push(word);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  });

  const restarts: number[] = [];
  try {
    for (let cycle = 1; cycle <= cycles; cycle++) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 450));
      await kill(child);
      const t0 = Date.now();
      child = await startServerProcess(port, dataDir);
      restarts.push(Date.now() - t0);
      if (cycle % 10 === 0) log(`  cycle ${cycle}/${cycles}: ${clients.reduce((n, x) => n + x.typed.length, 0)} words typed so far`);
    }
  } finally {
    typing = false;
    await Promise.all(typers);
  }

  const t0 = Date.now();
  const textOf = (x: (typeof clients)[number]) => ficheField(x.c.doc).toString();
  await waitFor(
    () => clients.every((x) => synced(x.c) && clients.filter((y) => y.doc === x.doc).every((y) => textOf(y) === textOf(x))),
    60_000,
    'convergence after the last restart',
  );
  const convergeMs = Date.now() - t0;
  // What the clients hold must be stored: one more kill, then read LMDB as a restart would.
  await new Promise((r) => setTimeout(r, 500));
  await kill(child);
  for (const x of clients) x.c.destroy();

  const store = openStore(dataDir);
  let wordsTyped = 0;
  let wordsMissing = 0;
  let storedBytes = 0;
  try {
    for (const doc of docNames) {
      const text = ficheField(await storedDoc(store, doc)).toString();
      storedBytes += await store.docs.sizeOf(doc);
      const present = new Set(text.split(' '));
      for (const x of clients.filter((y) => y.doc === doc)) {
        wordsTyped += x.typed.length;
        for (const word of x.typed) if (!present.has(word.trim())) wordsMissing++;
      }
    }
  } finally {
    await store.close();
  }
  restarts.sort((a, b) => a - b);
  return {
    cycles,
    docs: docNames.length,
    clients: clients.length,
    wordsTyped,
    wordsMissing,
    restartMedianMs: restarts[Math.floor(restarts.length / 2)] ?? 0,
    convergeMs,
    storedBytes,
    ok: wordsMissing === 0,
  };
}
