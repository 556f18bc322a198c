/**
 * `npm run cluster`: Relais as several nodes on this machine, from Debian's packages — a
 * throw-away PostgreSQL and Redis, three nodes, HAProxy in front (scripts/cluster/). Builds the
 * client once if needed, prints the URL and the demo logins; Ctrl-C stops everything in order and
 * removes the temp dirs. Nothing is kept: for a real cluster, see the README «Cluster».
 *
 *   npm run cluster [-- --port 8080] [--nodes 3]
 *   npm run -s cluster -- --print-haproxy [--bind :80] [--node 10.0.0.11:8080:9000 …] > haproxy.cfg
 *     prints the HAProxy configuration for those nodes (default: three on this machine,
 *     ports 8081–8083 and 9001–9003), the operator's starting point.
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createLogger } from '../sync-server/log.ts';
import { DEMO_PASSWORD } from './demo.ts';
import { buildClientIfStale } from './buildClient.ts';
import { startCluster, type Cluster } from './cluster/cluster.ts';
import { installed, postgresBin } from './cluster/engines.ts';
import { haproxyConfig, type HaproxyNode } from './cluster/haproxy.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    nodes: { type: 'string', default: '3' },
    'print-haproxy': { type: 'boolean', default: false },
    bind: { type: 'string', default: ':8080' },
    node: { type: 'string', multiple: true },
  },
});

if (values['print-haproxy']) {
  const specs = values.node ?? ['127.0.0.1:8081:9001', '127.0.0.1:8082:9002', '127.0.0.1:8083:9003'];
  const nodes = specs.map((spec, i): HaproxyNode => {
    const match = /^(.+):(\d+):(\d+)$/.exec(spec);
    if (!match) {
      console.error(`--node ${spec} : attendu hôte:PORT:PEER_PORT (10.0.0.11:8080:9000)`);
      process.exit(2);
    }
    return { name: `node-${i + 1}`, host: match[1]!, port: Number(match[2]), peerPort: Number(match[3]) };
  });
  process.stdout.write(haproxyConfig({ bind: values.bind, nodes }));
  process.exit(0);
}

const missing = ['haproxy', 'redis-server'].filter((p) => !installed(p));
if (missing.length > 0 || !postgresBin()) {
  console.error('Il manque des paquets Debian : apt-get install -y postgresql redis-server haproxy');
  process.exit(2);
}

const port = Number(values.port);
const count = Number(values.nodes);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isInteger(count) || count < 1 || count > 16) {
  console.error('--port : un port (8080) ; --nodes : de 1 à 16');
  process.exit(2);
}

// HAProxy binds the front last: find out now that it is taken, not after starting everything else.
const taken = await new Promise<boolean>((done) => {
  const probe = createServer();
  probe.once('error', () => done(true));
  probe.listen(port, '127.0.0.1', () => probe.close(() => done(false)));
});
if (taken) {
  console.error(`Le port ${port} est déjà pris (npm start ?) : npm run cluster -- --port ${port === 8080 ? 8090 : port + 1}`);
  process.exit(2);
}

const logger = createLogger({ level: 'info' });
const clientDir = resolve(process.env.RELAIS_CLIENT_DIR || './dist/client');
if (process.env.RELAIS_SKIP_BUILD !== '1') await buildClientIfStale(clientDir, logger);

const colours = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const tty = process.stdout.isTTY === true;
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** A node's JSON log line as one readable line; the engines' lines as they are. */
function print(source: string, line: string): void {
  let text = line;
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      text = `${LEVELS[entry.level ?? 30] ?? entry.level}: ${entry.msg ?? line}`;
    } catch {
      // Not JSON after all: as it is.
    }
  }
  const n = /^node-(\d+)$/.exec(source);
  const colour = tty && n ? colours[(Number(n[1]) - 1) % colours.length] : '';
  process.stdout.write(`${colour}${source.padEnd(8)}${colour ? '\x1b[0m' : ''}│ ${text}\n`);
}

let cluster: Cluster | null = null;
let stopping = false;
const stop = async (exitCode: number): Promise<never> => {
  let code = exitCode;
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nArrêt du cluster : HAProxy, les nœuds, Redis, PostgreSQL…\n');
    try {
      await cluster?.stop();
      process.stdout.write('Arrêté, fichiers temporaires supprimés.\n');
    } catch (error) {
      process.stdout.write(`Arrêté, avec une erreur : ${error instanceof Error ? error.message : String(error)}\n`);
      code = code || 1;
    }
  }
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));
// A crash of this launcher must not leave the engines and nodes running (they have their own process groups).
process.on('exit', () => {
  if (!cluster) return;
  for (const child of [cluster.haproxy.process, ...cluster.nodes.map((n) => n.process), cluster.redis.process, cluster.postgres.process]) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

process.stdout.write(`Démarrage de PostgreSQL, Redis, ${count} nœuds Relais et HAProxy…\n`);
try {
  cluster = await startCluster({
    nodes: count,
    port,
    logLevel: process.env.LOG_LEVEL || 'warn',
    log: (source, line) => {
      // The engines' chatter only when asked; the nodes' lines at their LOG_LEVEL.
      if (source.startsWith('node-') || process.env.LOG_LEVEL === 'debug') print(source, line);
      else if (source === 'haproxy' && /Server .* is (DOWN|UP)|ALERT/.test(line)) print(source, line);
    },
  });
} catch (error) {
  console.error(`Le cluster n’a pas démarré : ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
const ready = cluster!;
process.stdout.write(`
Relais (cluster) est prêt : ${ready.url}
  ${ready.nodes.length} nœuds derrière HAProxy : ${ready.nodes.map((n) => `${n.id} ${n.url} (PeerJS ${n.peerPort})`).join(', ')}
  PostgreSQL 127.0.0.1:${ready.postgres.port}, Redis 127.0.0.1:${ready.redis.port} (jetables, effacés à l’arrêt)
  Chaque réponse dit quel nœud a servi (en-tête X-Relais-Node).
  Comptes de démonstration : dr.demo / ${DEMO_PASSWORD}   ide.demo / ${DEMO_PASSWORD}   admin.demo / ${DEMO_PASSWORD}
Ctrl-C pour tout arrêter.
`);
