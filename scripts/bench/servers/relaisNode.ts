/**
 * One Relais cluster node for `npm run bench -- --cluster`: the sync server as `scripts/start.ts`
 * runs it, its backends opened from the environment (`openBackends`: RELAIS_DATABASE_URL,
 * RELAIS_REDIS_URL, RELAIS_MASTER_KEY), listening on BENCH_NODE_PORT (fixed, so that HAProxy's
 * configuration outlives a restart of the node), with its peer server on PEER_PORT as start.ts
 * starts it (readiness, which HAProxy checks, asks whether it answers). Extra counters as
 * servers/relais.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../../sync-server/config.ts';
import { openBackends } from '../../../sync-server/cluster/node.ts';
import { startServer } from '../../../sync-server/server.ts';
import { createLogger, type LogLevel } from '../../../sync-server/log.ts';
import { startPeerServer } from '../../../peer-server/index.ts';
import { peerTicketSecret } from '../../../sync-server/http/peerTickets.ts';
import { answerOrchestrator } from './ipc.ts';

const port = Number(process.env.BENCH_NODE_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_NODE_PORT: the port this node listens on');
// No built client: the bench measures sync (as servers/relais.ts).
const config = { ...readConfig(), port, host: '127.0.0.1', clientDir: join(tmpdir(), 'relais-bench-no-client') };
// Warnings and errors only: a line per socket would weigh on what the bench measures
// (BENCH_NODE_LOG_LEVEL=info to see them, when looking into a failure).
const logger = createLogger({ level: (process.env.BENCH_NODE_LOG_LEVEL ?? 'warn') as LogLevel });
const backends = await openBackends(config, logger);
const server = await startServer(config, backends.store, { logger, cluster: backends.cluster, bus: backends.bus });
const peer = await startPeerServer(config.host, config.peerPort, { ticketSecret: peerTicketSecret(config), logger });
answerOrchestrator(
  server.port,
  async ({ docName }) => {
    const extra: Record<string, number> = { rooms: server.registry.roomCount };
    if (docName) {
      extra.docBytes = await backends.store.docs.sizeOf(docName);
      const room = server.registry.get(docName);
      if (room) extra.stateBytes = room.encodeState().byteLength;
    }
    return extra;
  },
  async () => {
    await Promise.all([server.close(), peer.close()]);
    await backends.close();
  },
);
