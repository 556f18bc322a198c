/** Closing the server twice (two shutdown paths meeting) must not end the process. */
import { expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { openStore } from './store/index.ts';
import { startServer } from './server.ts';
import { tempDataDir, testConfig, testLogger } from './testing/harness.ts';

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
