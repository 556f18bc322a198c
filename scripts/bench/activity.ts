/**
 * Scenario (f) of issue 13: presence changes (joins and leaves across 50 consultations of one
 * establishment) written to `activity/<establishment>` through the real server (uWS + LMDB, the
 * activity feed on the room registry, as RoomPresence writes them), one after the other.
 * Reports the document's size as stored and as a new stock y-websocket client receives it, its
 * state vector's client count, and the time of the last 1,000 edits against the first 1,000.
 *
 * `--before` runs the pattern the server used before issue 13 on the same machine: each edit
 * decodes the stored state into a fresh Y.Doc (a new Yjs client), transacts once and hands the
 * diff to the registry; the activity feed is never replaced.
 *
 * Also measured: a server edit on a document no socket has open (the «no room open» case), with
 * the room kept loaded for the next edit (what the server does) against loaded and decoded anew
 * for every edit.
 *
 * Run alone: `npm run bench -- --only f [--edits 100000] [--before]`; `npm run bench` runs it after
 * (a)–(e). Writes its section of docs/BENCHMARKS.md (between the bench-f markers) and
 * bench/activity.json (bench/activity-before.json with --before).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { openStore } from '../../sync-server/store/index.ts';
import { startServer } from '../../sync-server/server.ts';
import { seedDemo } from '../demo.ts';
import { login, synced, tempDataDir, testConfig, testLogger, waitFor, yClient } from '../../sync-server/testing/harness.ts';
import { ActivityFeed } from '../../sync-server/consultations/ActivityFeed.ts';
import { activityDocName, appointmentsOf, type ActivityAppointment } from '../../schema/activity.ts';
import { RoomRegistry } from '../../sync-server/sync/RoomRegistry.ts';

export interface ActivityBenchResult {
  mode: 'after' | 'before';
  date: string;
  edits: number;
  consultations: number;
  storedBytes: number;
  receivedBytes: number;
  stateVectorClients: number;
  firstMs: number;
  lastMs: number;
  ratio: number;
  totalSeconds: number;
  /** Per edit on a document no socket has open, median ms: kept loaded vs decoded anew each time. */
  noRoom: { docBytes: number; keptMs: number; reloadedMs: number; decodeMs: number }[];
}

const CONSULTATIONS = 50;
const WINDOW = 1000;
const NAMES = ['Dr Claire Martin', 'Sophie Bernard (IDE)', 'Mme Jeanne Dupont', 'M. Paul Durand', 'Julie Petit (IDE)'];

/** The old pattern: a fresh Y.Doc from the stored state per edit, its diff through the registry. */
async function editTheOldWay(registry: RoomRegistry, docName: string, change: (map: Y.Map<ActivityAppointment>) => void): Promise<void> {
  const doc = new Y.Doc();
  try {
    for (const update of await registry.readState(docName)) Y.applyUpdate(doc, update);
    const before = Y.encodeStateVector(doc);
    doc.transact(() => change(appointmentsOf(doc)));
    await registry.applyServerUpdate(docName, Y.encodeStateAsUpdate(doc, before));
  } finally {
    doc.destroy();
  }
}

export async function benchActivity(options: { edits: number; before: boolean }): Promise<ActivityBenchResult> {
  const dataDir = tempDataDir();
  const store = openStore(dataDir);
  const started = performance.now();
  try {
    const demo = await seedDemo(store);
    const server = await startServer(testConfig(dataDir), store, { logger: testLogger, activityGenerations: !options.before });
    try {
      const docName = activityDocName(demo.establishmentId);
      const feed = new ActivityFeed(server.registry);
      const start = Date.now() + 60 * 60_000;
      const list: ActivityAppointment[] = Array.from({ length: CONSULTATIONS }, (_, i) => ({
        consultationId: `bench${String(i).padStart(4, '0')}`,
        patientName: `Patient ${i}`,
        start: new Date(start + i * 15 * 60_000).toISOString(),
        durationMinutes: 20,
        kind: 'scheduled',
        createdByName: 'Dr Claire Martin',
        participants: [demo.doctor.id, demo.nurse.id],
        inRoom: [],
        startedAt: null,
        endedAt: null,
      }));
      for (const a of list) await feed.upsert(demo.establishmentId, a);

      // Rounds of one change per consultation, written concurrently as RoomPresence writes them
      // for calls running at once; a round's time runs from its first call to its last edit stored.
      const rounds = new Float64Array(Math.ceil(options.edits / CONSULTATIONS));
      for (let round = 0; round < options.edits; round += CONSULTATIONS) {
        const pending: Promise<void>[] = [];
        const t0 = performance.now();
        for (let i = round; i < Math.min(options.edits, round + CONSULTATIONS); i++) {
          const a = list[i % CONSULTATIONS]!;
          const who = NAMES[Math.floor(i / CONSULTATIONS) % NAMES.length]!;
          // What RoomPresence writes on a join or a leave.
          const change = (current: ActivityAppointment): ActivityAppointment => {
            const inRoom = current.inRoom.includes(who) ? current.inRoom.filter((n) => n !== who) : [...current.inRoom, who].sort();
            const now = new Date().toISOString();
            return { ...current, inRoom, startedAt: current.startedAt ?? now, endedAt: inRoom.length === 0 ? now : null };
          };
          const edit = options.before
            ? editTheOldWay(server.registry, docName, (map) => map.set(a.consultationId, change(map.get(a.consultationId)!)))
            : feed.update(demo.establishmentId, a.consultationId, change).then(() => undefined);
          pending.push(edit);
        }
        await Promise.all(pending);
        rounds[round / CONSULTATIONS] = performance.now() - t0;
        if ((round + CONSULTATIONS) % 10_000 === 0) process.stdout.write(`  (f) ${round + CONSULTATIONS} edits\n`);
      }
      const sum = (from: number, to: number): number => rounds.slice(from, to).reduce((s, v) => s + v, 0);
      const window = Math.max(1, Math.floor(Math.min(WINDOW, options.edits / 2) / CONSULTATIONS));
      const firstMs = sum(0, window);
      const lastMs = sum(rounds.length - window, rounds.length);

      const storedBytes = await store.docs.sizeOf(docName);
      const session = await login(`http://127.0.0.1:${server.port}`, 'ide.demo');
      const viewer = yClient(`ws://127.0.0.1:${server.port}`, docName, session);
      await waitFor(() => synced(viewer), 30_000, 'viewer synced');
      const received = Y.encodeStateAsUpdate(viewer.doc);
      const stateVectorClients = Y.decodeStateVector(Y.encodeStateVector(viewer.doc)).size;
      viewer.destroy();
      return {
        mode: options.before ? 'before' : 'after',
        date: new Date().toISOString().slice(0, 10),
        edits: options.edits,
        consultations: CONSULTATIONS,
        storedBytes,
        receivedBytes: received.byteLength,
        stateVectorClients,
        firstMs,
        lastMs,
        ratio: lastMs / firstMs,
        totalSeconds: (performance.now() - started) / 1000,
        noRoom: options.before ? [] : await benchNoRoom(store),
      };
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A server edit (a document entry added, as an upload does) on a dossier no socket has open, of
 * 1,000 and 10,000 one-character inserts at random places: the room kept loaded after the first edit (what RoomRegistry does)
 * against the document loaded and decoded anew for each edit (linger 0).
 */
async function benchNoRoom(store: ReturnType<typeof openStore>): Promise<ActivityBenchResult['noRoom']> {
  const out: ActivityBenchResult['noRoom'] = [];
  for (const inserts of [1_000, 10_000]) {
    const name = `dossier/bench-noroom-${inserts}`;
    const doc = new Y.Doc();
    const text = doc.getText('body');
    let seed = 7;
    for (let i = 0; i < inserts; i++) {
      seed = (seed * 48271) % 2147483647;
      text.insert(seed % (text.length + 1), 'x');
    }
    await store.docs.create(name, Y.encodeStateAsUpdate(doc));
    doc.destroy();
    const median = async (lingerMs: number): Promise<number> => {
      const registry = new RoomRegistry(store.docs, { publish: () => undefined }, {
        compactAfter: 500,
        clientWritesOf: () => null,
        onError: () => undefined,
        serverEditLingerMs: lingerMs,
      });
      const t: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await registry.transact(name, (d) => d.getMap('bench').set('n', i));
        t.push(performance.now() - t0);
      }
      await registry.shutdown();
      t.sort((a, b) => a - b);
      return t[t.length >> 1]!;
    };
    const decodes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      const copy = new Y.Doc();
      for (const update of (await store.docs.load(name)).updates) Y.applyUpdate(copy, update);
      copy.destroy();
      decodes.push(performance.now() - t0);
    }
    decodes.sort((a, b) => a - b);
    out.push({ docBytes: await store.docs.sizeOf(name), reloadedMs: await median(0), keptMs: await median(30_000), decodeMs: decodes[decodes.length >> 1]! });
  }
  return out;
}

const kB = (n: number): string => `${(n / 1024).toFixed(1)} kB`;
const MARK_START = '<!-- bench-f -->';
const MARK_END = '<!-- /bench-f -->';

/** Writes bench/activity(-before).json and the (f) section of docs/BENCHMARKS.md from both files. */
export function writeActivityReport(root: string, result: ActivityBenchResult, quick = false): void {
  // A quick run is a smoke test: its figures go beside the quick report, not into docs/.
  const dir = quick ? join(root, 'bench', 'quick') : join(root, 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, result.mode === 'before' ? 'activity-before.json' : 'activity.json'), `${JSON.stringify(result, null, 2)}\n`);
  const read = (file: string): ActivityBenchResult | null =>
    existsSync(join(dir, file)) ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as ActivityBenchResult) : null;
  const after = read('activity.json');
  const before = read('activity-before.json');
  const row = (label: string, r: ActivityBenchResult | null): string =>
    r
      ? `| ${label} (${r.date}) | ${r.edits.toLocaleString('en-US')} | ${kB(r.storedBytes)} | ${kB(r.receivedBytes)} | ${r.stateVectorClients.toLocaleString('en-US')} | ${(r.firstMs / WINDOW).toFixed(2)} / ${(r.lastMs / WINDOW).toFixed(2)} ms | ${r.ratio.toFixed(2)} |`
      : `| ${label} | not run | | | | | |`;
  const noRoom = (after?.noRoom ?? [])
    .map((n) => `| dossier of ${kB(n.docBytes)} | ${n.keptMs.toFixed(2)} ms | ${n.reloadedMs.toFixed(2)} ms | ${n.decodeMs.toFixed(2)} ms |`)
    .join('\n');
  const section = `${MARK_START}
## (f) Presence changes on the activity document (issue 13)

\`npm run bench -- --only f\` (after) and \`npm run bench -- --only f --before --edits ${before?.edits ?? 3000}\` (the
pattern before issue 13: a fresh Y.Doc decoded from the stored state for every server edit; each
edit costs more than the last, so it is run on fewer edits).
${CONSULTATIONS} consultations of one establishment; each edit is a join or a leave as RoomPresence
writes it, in rounds of one per consultation written at once (as for calls running together), each
round timed from its first call until its last edit is stored (LMDB commit), through the real
server (uWS + LMDB). Targets: under
64 kB stored and received whatever the count; last 1,000 edits / first 1,000 ≤ 1.2. Figures from a
shared, loaded machine: provisional.

| run | edits | stored | a new client receives | client ids in its state vector | per edit, first 1,000 / last 1,000 | last / first |
|---|---|---|---|---|---|---|
${row('after', after)}
${row('before', before)}

A server edit on a document no socket has open (median of 200, per edit): the room kept loaded
after the first edit, as the server does (it stays ${'30 s'} after a server edit), against the
document loaded from LMDB and decoded whole for every edit. Both include the LMDB commit of the
edit. The server keeps the room loaded: the decoding is
paid once per run of edits, and the cost of the other way grows with the document. Applying an
edit to the stored state without decoding it was not built: a Yjs map entry or list insert names
the item it follows, so at least that part of the document must be decoded, and the room already
holds it.

| document | kept loaded | decoded anew each edit | of which loading and decoding |
|---|---|---|---|
${noRoom}
${MARK_END}`;
  const docPath = quick ? join(dir, 'BENCHMARKS.md') : join(root, 'docs', 'BENCHMARKS.md');
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const at = doc.indexOf(MARK_START);
  const end = doc.indexOf(MARK_END);
  const next = at >= 0 && end > at ? doc.slice(0, at) + section + doc.slice(end + MARK_END.length) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(docPath, next);
}

export function printActivity(r: ActivityBenchResult): void {
  console.log(
    `(f) ${r.mode}: ${r.edits} presence changes, ${CONSULTATIONS} consultations: stored ${kB(r.storedBytes)}, a new client receives ${kB(r.receivedBytes)} ` +
      `(${r.stateVectorClients} client ids); first ${WINDOW}: ${r.firstMs.toFixed(0)} ms, last ${WINDOW}: ${r.lastMs.toFixed(0)} ms (×${r.ratio.toFixed(2)}); ${r.totalSeconds.toFixed(0)} s`,
  );
  for (const n of r.noRoom) {
    console.log(`    no room open, dossier ${kB(n.docBytes)}: kept loaded ${n.keptMs.toFixed(2)} ms, decoded anew ${n.reloadedMs.toFixed(2)} ms per edit (load + decode alone ${n.decodeMs.toFixed(2)} ms)`);
  }
}
