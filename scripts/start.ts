/**
 * `npm start`: builds the client when its sources changed, seeds demo data into an empty data dir
 * (outside production only), starts the sync server and the peer server, prints where to go.
 * Ctrl-C stops everything.
 */
import { readConfig, requirePublicUrl, type Config } from '../sync-server/config.ts';
import { openBackendsOrExit } from '../sync-server/cluster/node.ts';
import { startServer } from '../sync-server/server.ts';
import { startPeerServer } from '../peer-server/index.ts';
import { peerTicketSecret } from '../sync-server/http/peerTickets.ts';
import { createLogger, setSharedLogger } from '../sync-server/log.ts';
import { DEMO_PASSWORD, seedDemoIfEmpty } from './demo.ts';
import { startPscDevProvider } from '../sync-server/auth/pscDevProvider.ts';
import { pscDevAccounts } from '../sync-server/auth/pscAccounts.ts';
import { buildClientIfStale } from './buildClient.ts';

let config: Config;
try {
  // Every setting checked now (ICE_SERVERS and TURN_* included) rather than at the first call.
  config = readConfig();
  requirePublicUrl(config);
} catch (error) {
  // No LOG_LEVEL to trust yet: the default logger says what is wrong.
  createLogger({ level: 'info' }).fatal(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel, file: config.logFile });
setSharedLogger(logger);
if (!config.skipClientBuild) await buildClientIfStale(config.clientDir, logger);
const backends = await openBackendsOrExit(config, logger);
const { store } = backends;
const dataState = await seedDemoIfEmpty(store, config.production);
// Pro Santé Connect: with no PSC_ISSUER, a real local OpenID provider stands in (development
// only), so that the «Pro Santé Connect» button works on a fresh machine.
const pscDev =
  !config.pscIssuer && !config.production
    ? await startPscDevProvider({
        port: config.pscDevPort ?? config.port + 2000,
        redirectUris: [`http://127.0.0.1:${config.port}/api/auth/psc/callback`, `http://localhost:${config.port}/api/auth/psc/callback`],
        accounts: () => pscDevAccounts(store),
      })
    : null;
if (pscDev) Object.assign(config, { pscIssuer: pscDev.issuer, pscClientId: pscDev.clientId, pscClientSecret: pscDev.clientSecret });
const server = await startServer(config, store, { logger, cluster: backends.cluster, bus: backends.bus });
const peer = await startPeerServer(config.host, config.peerPort, { ticketSecret: peerTicketSecret(config), logger });

const url = `${config.tlsCert && config.tlsKey ? 'https' : 'http'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${server.port}`;
// A production store starts empty: the operator creates the first establishment and its
// administrator, who then creates the other accounts on the «Comptes» page.
const firstAdministrator = `
  Aucun compte : créez le premier établissement puis son administrateur :
    npm run admin -- establishment add --name "EHPAD …" [--kind ehpad|cabinet|hopital]
    npm run admin -- user add --identifier … --name "…" --profession … --establishment <id affiché> --role admin
  Le mot de passe provisoire (12 caractères au moins) est affiché une seule fois ; --password … pour le choisir.`;
const demoAccounts = config.production
  ? `
  Attention : ces données contiennent les comptes de démonstration (dr.demo, ide.demo, admin.demo), créés par une
  version antérieure : changez leur mot de passe (npm run admin -- user set-password dr.demo) ou ne les utilisez pas.`
  : `
  Comptes de démonstration : dr.demo / ${DEMO_PASSWORD}   ide.demo / ${DEMO_PASSWORD}   admin.demo / ${DEMO_PASSWORD}`;
// One line for the log, the rest for the person at the terminal (JSON keeps it in `msg`).
logger.info({ url, peerPort: peer.port, dataDir: config.dataDir, seeded: dataState === 'seeded' }, `Relais est prêt : ${url}
  Signalisation vidéo (PeerJS) : http://${config.host}:${peer.port}/peerjs
  Données : ${config.dataDir}${dataState === 'seeded' ? ' (données de démonstration créées)' : ''}${
  (await store.users.count()) === 0 ? firstAdministrator : (await store.users.byIdentifier('dr.demo')) ? demoAccounts : ''
}${pscDev ? `\n  Pro Santé Connect (local) : ${pscDev.issuer} — RPPS de dr.demo : 10003456789` : ''}
Ctrl-C pour arrêter.`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  logger.info('Arrêt de Relais…');
  await Promise.all([server.close(), peer.close(), pscDev?.close()]);
  await backends.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
