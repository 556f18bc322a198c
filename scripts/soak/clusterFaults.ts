/**
 * The cluster under faults (issue 16): stock y-websocket clients type into dossiers, through the
 * proxy and straight to each node, while nodes are killed with SIGKILL and restarted, and while
 * Redis is killed and restarted. Afterwards every client of a document holds the same text, and the
 * document stored in PostgreSQL holds exactly the words its clients typed: none lost, none twice,
 * none invented. The short form runs in `npm test` (cluster.integration.test.ts), the long one in
 * `npm run soak -- --cluster`.
 */
import * as Y from 'yjs';
import type { Cluster } from '../cluster/cluster.ts';
import { openPgStore, type PgStore } from '../../sync-server/store/pg/index.ts';
import { dossierDocName } from '../../schema/dossier.ts';
import { login, synced, waitFor, yClient, type YClient } from '../../sync-server/testing/harness.ts';
import { ficheField } from '../../sync-server/testing/ficheField.ts';

export interface ClusterFaultOptions {
  /** SIGKILL/restart cycles of a random node. */
  cycles: number;
  /** Kills and restarts of Redis, spread between the cycles. */
  redisRestarts: number;
  /** Dossiers typed into. Default 3. */
  docs?: number;
  log?: (line: string) => void;
  /** Draws the node to kill (a seeded generator in tests). Default Math.random. */
  random?: () => number;
}

export interface ClusterFaultFigures {
  cycles: number;
  redisRestarts: number;
  docs: number;
  clients: number;
  wordsTyped: number;
  /** Typed words absent from the stored document. */
  wordsMissing: number;
  /** Words stored more than once, or never typed. */
  wordsExtra: number;
  /** Documents whose clients did not all end with the same text. */
  docsDiverged: number;
  restartMedianMs: number;
  convergeMs: number;
  ok: boolean;
}

interface Typist {
  client: YClient;
  doc: string;
  tag: string;
  typed: string[];
  via: string;
}

/** The master key the cluster's nodes share (they all have it in their environment). */
const masterKeyOf = (cluster: Cluster): Buffer => Buffer.from(cluster.nodes[0]!.env.RELAIS_MASTER_KEY!, 'hex');

/** The dossiers of the demo doctor, from the cluster's PostgreSQL. */
export async function demoDossiers(cluster: Cluster, count: number): Promise<string[]> {
  const store = await openPgStore(cluster.postgres.url, masterKeyOf(cluster), { max: 2 });
  try {
    const doctor = await store.users.byIdentifier('dr.demo');
    if (!doctor) throw new Error('the cluster holds no demo data');
    const consultations = await store.consultations.forParticipant(doctor.id);
    return consultations.slice(0, count).map((c) => dossierDocName(c.id));
  } finally {
    await store.close();
  }
}

/** A document's fiche field as stored in PostgreSQL. */
export async function storedText(store: PgStore, docName: string): Promise<string> {
  const doc = new Y.Doc();
  try {
    for (const update of (await store.docs.load(docName)).updates) Y.applyUpdate(doc, update);
    return ficheField(doc).toString();
  } finally {
    doc.destroy();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const wsOf = (http: string): string => http.replace(/^http/, 'ws');

/** Until the proxy answers ready (after a fault, HAProxy takes a second or two to see nodes back). */
async function serving(cluster: Cluster, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${cluster.url}/api/health/ready`).catch(() => null);
    await res?.body?.cancel();
    if (res?.ok) return;
    if (Date.now() > until) throw new Error(`the cluster is not serving after ${timeoutMs} ms (last status ${res?.status ?? 'refused'})`);
    await sleep(200);
  }
}

export async function clusterFaults(cluster: Cluster, options: ClusterFaultOptions): Promise<ClusterFaultFigures> {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  await serving(cluster);
  const docNames = await demoDossiers(cluster, options.docs ?? 3);
  const tokens = [await login(cluster.url, 'dr.demo'), await login(cluster.url, 'ide.demo')];
  const typists: Typist[] = [];
  for (const [d, doc] of docNames.entries()) {
    // Through the proxy (consistent hashing: usually one node per document)…
    for (const [t, token] of tokens.entries()) typists.push({ client: yClient(`${wsOf(cluster.url)}`, doc, token), doc, tag: `d${d}p${t}`, typed: [], via: 'proxy' });
    // …and straight to a node the proxy would not have chosen for all of them: the documents'
    // sockets sit on different nodes, so updates must cross through Redis (or the store).
    const node = cluster.nodes[d % cluster.nodes.length]!;
    typists.push({ client: yClient(wsOf(node.url), doc, tokens[d % 2]!), doc, tag: `d${d}n`, typed: [], via: node.id });
  }
  await waitFor(() => typists.every((x) => synced(x.client)), 30_000, 'initial sync of every client');

  let typing = true;
  const typers = typists.map(async (x) => {
    for (let i = 0; typing; i++) {
      const word = `${x.tag}w${i}`;
      const text = ficheField(x.client.doc);
      text.insert(text.length, `${word} `);
      x.typed.push(word);
      await sleep(10 + random() * 30);
    }
  });

  const restarts: number[] = [];
  const redisAt = new Set(Array.from({ length: options.redisRestarts }, (_, i) => Math.floor(((i + 1) * options.cycles) / (options.redisRestarts + 1))));
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      await sleep(300 + random() * 700);
      const node = cluster.nodes[Math.floor(random() * cluster.nodes.length)]!;
      await node.kill('SIGKILL');
      // Down for a moment, writes going on through the proxy to the others.
      await sleep(200 + random() * 800);
      const t0 = Date.now();
      await node.start();
      restarts.push(Date.now() - t0);
      if (redisAt.has(cycle)) {
        await cluster.redis.kill();
        await sleep(500 + random() * 1000);
        await cluster.redis.start();
        log(`  cycle ${cycle}: Redis killed and restarted`);
      }
      log(`  cycle ${cycle}/${options.cycles}: ${node.id} killed and restarted in ${restarts.at(-1)} ms; ${typists.reduce((n, x) => n + x.typed.length, 0)} words typed so far`);
    }
    for (let r = 0; r < options.redisRestarts - redisAt.size; r++) {
      await cluster.redis.kill();
      await sleep(1000);
      await cluster.redis.start();
    }
    await sleep(500);
  } finally {
    typing = false;
    await Promise.all(typers);
  }

  const t0 = Date.now();
  const textOf = (x: Typist): string => ficheField(x.client.doc).toString();
  let converged = true;
  try {
    await waitFor(
      () => typists.every((x) => synced(x.client) && typists.filter((y) => y.doc === x.doc).every((y) => textOf(y) === textOf(x))),
      60_000,
      'every client of a document holding the same text',
    );
  } catch {
    converged = false;
  }
  const convergeMs = Date.now() - t0;
  const docsDiverged = docNames.filter((doc) => new Set(typists.filter((x) => x.doc === doc).map(textOf)).size > 1).length;
  // What the clients hold must be stored: read PostgreSQL as a restarted cluster would.
  await sleep(500);
  for (const x of typists) x.client.destroy();

  const store = await openPgStore(cluster.postgres.url, masterKeyOf(cluster), { max: 2 });
  let wordsTyped = 0;
  let wordsMissing = 0;
  let wordsExtra = 0;
  try {
    for (const doc of docNames) {
      const stored = (await storedText(store, doc)).split(/\s+/).filter((w) => /^d\d+(p\d|n)w\d+$/.test(w));
      const counts = new Map<string, number>();
      for (const w of stored) counts.set(w, (counts.get(w) ?? 0) + 1);
      const typed = new Set(typists.filter((x) => x.doc === doc).flatMap((x) => x.typed));
      wordsTyped += typed.size;
      for (const w of typed) if (!counts.has(w)) wordsMissing++;
      for (const [w, n] of counts) if (!typed.has(w) || n > 1) wordsExtra += typed.has(w) ? n - 1 : n;
    }
  } finally {
    await store.close();
  }
  restarts.sort((a, b) => a - b);
  return {
    cycles: options.cycles,
    redisRestarts: options.redisRestarts,
    docs: docNames.length,
    clients: typists.length,
    wordsTyped,
    wordsMissing,
    wordsExtra,
    docsDiverged: converged ? 0 : Math.max(1, docsDiverged),
    restartMedianMs: restarts[Math.floor(restarts.length / 2)] ?? 0,
    convergeMs,
    ok: converged && wordsMissing === 0 && wordsExtra === 0,
  };
}
