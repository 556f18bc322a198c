/**
 * `npm run soak`: the long forms of the sync server's fault tests (issue 7), on loopback only,
 * bounded in time and count. Options: --cycles N (SIGKILL/restart cycles, default 50),
 * --fuzz-seconds S (default 60), --fuzzers K (parallel fuzzing sockets, default 3), --seed X,
 * --only crash|fuzz. Exits non-zero when a check fails.
 * `--cluster`: instead, the cluster's (issue 16): a throw-away PostgreSQL, Redis, three nodes and
 * HAProxy (scripts/cluster/cluster.ts); --cycles random nodes SIGKILLed and restarted (default 20)
 * and --redis-restarts (default 3) under typing; then every document must hold exactly what its
 * clients typed.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tempDataDir } from '../../sync-server/testing/harness.ts';
import { crashCycles } from './crashCycles.ts';
import { fuzzSoak } from './fuzzSoak.ts';
import { clusterFaults } from './clusterFaults.ts';
import { startCluster } from '../cluster/cluster.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '50' },
    'fuzz-seconds': { type: 'string', default: '60' },
    fuzzers: { type: 'string', default: '3' },
    seed: { type: 'string' },
    only: { type: 'string' },
    cluster: { type: 'boolean', default: false },
    'redis-restarts': { type: 'string', default: '3' },
  },
});
const log = (line: string) => console.log(line);
let failed = false;

if (values.cluster) {
  const cycles = process.argv.includes('--cycles') ? Number(values.cycles) : 20;
  log(`(cluster) three nodes behind HAProxy on PostgreSQL and Redis: ${cycles} SIGKILL/restart cycles of a random node and ${values['redis-restarts']} Redis restarts under typing…`);
  const cluster = await startCluster({ nodes: 3 });
  try {
    const f = await clusterFaults(cluster, { cycles, redisRestarts: Number(values['redis-restarts']), log });
    log(`    ${f.docs} documents × ${f.clients / f.docs} clients, ${f.wordsTyped} words typed, ${f.wordsMissing} missing, ${f.wordsExtra} extra, ${f.docsDiverged} documents diverged`);
    log(`    node restart median ${f.restartMedianMs} ms, convergence ${f.convergeMs} ms after the last fault`);
    log(`    ${f.ok ? 'OK' : 'FAILED'}`);
    failed = !f.ok;
  } catch (e) {
    log(`    FAILED: ${e instanceof Error ? e.message : String(e)}`);
    failed = true;
  } finally {
    await cluster.stop();
  }
  process.exit(failed ? 1 : 0);
}

if (values.only !== 'fuzz') {
  const dataDir = tempDataDir();
  log(`(i) ${values.cycles} SIGKILL/restart cycles under write load…`);
  try {
    const f = await crashCycles(dataDir, Number(values.cycles), log);
    log(`    ${f.docs} documents × ${f.clients / f.docs} clients, ${f.wordsTyped} words typed, ${f.wordsMissing} missing after the last restart`);
    log(`    restart median ${f.restartMedianMs} ms, convergence ${f.convergeMs} ms, ${f.storedBytes} bytes stored; LMDB opened as is`);
    log(`    ${f.ok ? 'OK' : 'FAILED'}`);
    failed ||= !f.ok;
  } catch (e) {
    log(`    FAILED: ${e instanceof Error ? e.message : String(e)}`);
    failed = true;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (values.only !== 'crash') {
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  log(`(ii) fuzzing for ${values['fuzz-seconds']} s with ${values.fuzzers} sockets, seed ${seed} (replay with --seed ${seed})…`);
  try {
    const f = await fuzzSoak(Number(values['fuzz-seconds']), seed, Number(values.fuzzers));
    log(`    ${f.sent} messages sent (${Object.entries(f.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    log(`    closes by code: ${Object.entries(f.closes).map(([k, n]) => `${k}×${n}`).join(', ')}`);
    log(`    editor typed ${f.editsByEditor} edits meanwhile; process RSS ${f.serverRssMb} MB`);
    for (const failure of f.failures) log(`    - ${failure}`);
    log(`    ${f.ok ? 'OK: server up, editor synced, stored document = before ∪ editor' : 'FAILED'}`);
    failed ||= !f.ok;
  } catch (e) {
    log(`    FAILED: ${e instanceof Error ? e.message : String(e)}`);
    failed = true;
  }
}

process.exit(failed ? 1 : 0);
