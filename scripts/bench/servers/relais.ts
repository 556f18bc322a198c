/**
 * Relais's sync server as in production (LMDB persistence, sessions checked at upgrade), on the
 * data dir the orchestrator seeded. Extra counters: rooms in memory, bytes stored for a document.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../../sync-server/config.ts';
import { openStore } from '../../../sync-server/store/index.ts';
import { startServer } from '../../../sync-server/server.ts';
import { answerOrchestrator } from './ipc.ts';
import { createLogger } from '../../../sync-server/log.ts';

// No built client: the bench measures sync, and compressing the client at start-up only delays it.
const config = { ...readConfig(), port: 0, host: '127.0.0.1', clientDir: join(tmpdir(), 'relais-bench-no-client') };
const store = openStore(config.dataDir);
// Warnings and errors only: a line per socket would weigh on what the bench measures.
const server = await startServer(config, store, { logger: createLogger({ level: 'warn' }) });
answerOrchestrator(
  server.port,
  async ({ docName }) => {
    const extra: Record<string, number> = { rooms: server.registry.roomCount };
    if (docName) {
      extra.docBytes = await store.docs.sizeOf(docName);
      const room = server.registry.get(docName);
      if (room) extra.stateBytes = room.encodeState().byteLength;
    }
    return extra;
  },
  async () => {
    await server.close();
    await store.close();
  },
);
