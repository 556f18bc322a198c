/**
 * The sync server alone: reads config, opens the store, starts listening; nothing else.
 * `npm start` (scripts/start.ts) runs this together with the peer server, the client build and
 * the demo data.
 */
import { readConfig, requirePublicUrl } from './config.ts';
import { openStore } from './store/index.ts';
import { startServer } from './server.ts';

const config = readConfig();
try {
  requirePublicUrl(config);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
const store = openStore(config.dataDir);
const server = await startServer(config, store);
console.log(`Relais sync server on http://${config.host}:${server.port}`);

const stop = async (): Promise<void> => {
  await server.close();
  await store.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
