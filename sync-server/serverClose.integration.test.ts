/** Closing: the server twice (two shutdown paths meeting) must not end the process; a socket's close says why. */
import { expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { openStore } from './store/index.ts';
import { startServer } from './server.ts';
import { login, startRelais, synced, tempDataDir, testConfig, testLogger, waitFor, yClient } from './testing/harness.ts';
import { createLogger } from './log.ts';
import { dossierDocName } from '../schema/dossier.ts';

it('a second close waits for the first, and the process goes on', async () => {
  const dataDir = tempDataDir();
  const store = openStore(dataDir);
  const server = await startServer(testConfig(dataDir), store, { logger: testLogger });
  const url = `http://127.0.0.1:${server.port}/api/health`;
  expect((await fetch(url)).status).toBe(200);
  // Before: the second us_listen_socket_close failed libuv's assertion and killed this worker.
  await Promise.all([server.close(), server.close()]);
  await server.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('says in the log why a sync socket closed (its close code, not redacted)', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const relais = await startRelais({ logger });
  try {
    const token = await login(relais.http, 'dr.demo');
    const client = yClient(relais.ws, dossierDocName(relais.demo.consultations[0]!.id), token);
    await waitFor(() => synced(client), 10_000, 'synced');
    client.destroy();
    await waitFor(() => lines.some((l) => l.msg === 'sync socket closed'), 5_000, 'the close logged');
    const closed = lines.find((l) => l.msg === 'sync socket closed')!;
    // The provider closes normally (1000) or goes away (1005 from uWS when no code came).
    expect([1000, 1005]).toContain(closed.closedWith);
  } finally {
    await relais.stop();
  }
});
