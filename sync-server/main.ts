/**
 * The sync server alone: reads config, opens the store, starts listening; nothing else.
 * `npm start` (scripts/start.ts) runs this together with the peer server, the client build and
 * the demo data.
 */
import { readConfig, requirePublicUrl, type Config } from './config.ts';
import { createLogger, setSharedLogger } from './log.ts';
import { openBackendsOrExit } from './cluster/node.ts';
import { startServer } from './server.ts';

let config: Config;
try {
  config = readConfig();
  requirePublicUrl(config);
} catch (error) {
  createLogger({ level: 'info' }).fatal(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel, file: config.logFile });
setSharedLogger(logger);
const backends = await openBackendsOrExit(config, logger);
const { store } = backends;
const server = await startServer(config, store, { logger, cluster: backends.cluster, bus: backends.bus });
logger.info({ port: server.port }, `Relais sync server on http://${config.host}:${server.port}`);

const stop = async (): Promise<void> => {
  await server.close();
  await backends.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
