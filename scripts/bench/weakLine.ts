/**
 * A call on a weak line, measured (issue 15; figures in docs/CALLS.md).
 *
 *   npm run bench:call [-- --seconds 60 --recover 40 --baseline 30 --seed 1 --rate 300 --delay 150 --loss 3 --queue-ms 500]
 *
 * coturn (REST secret) + a Relais server with ICE_TRANSPORT_POLICY=relay, started here; a doctor
 * (direct to coturn) and a patient by link whose TURN traffic, hence all its media, crosses the
 * user-space line emulator (scripts/turn/linkEmulator.ts: netem is not available on this kernel).
 * Debian's Chromium with its fake camera and microphone.
 *
 * Runs: a baseline (the same path, no impairment), then the weak line (`--seconds`) followed by
 * the line recovering (`--recover` seconds, no impairment). Every 2 s both pages' getStats are
 * sampled: video bitrate each way, frame rate and resolution received, audio loss, jitter and
 * concealment, the send-side bandwidth estimate, the RTT, and whether the page went audio-only by
 * itself. Prints one table per run and a summary; `--json <file>` writes the samples.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { instantConsultationWithLink } from '../../e2e/outbox.ts';
import { startCoturn } from '../turn/coturn.ts';
import { startLinkEmulator, UNLIMITED, weakLine, type LinkEmulator } from '../turn/linkEmulator.ts';
import { startRelaisServer } from '../turn/relaisServer.ts';
import { routeTurnThrough } from '../turn/routeTurn.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number): number => (args.has(name) ? Number(args.get(name)) : fallback);
const WEAK_S = num('seconds', 60);
const RECOVER_S = num('recover', 40);
const BASELINE_S = num('baseline', 30);
const SEED = num('seed', 1);
const RATE_KBPS = num('rate', 300);
const DELAY_MS = num('delay', 150);
const LOSS_PCT = num('loss', 3);
const QUEUE_MS = num('queue-ms', 500);
const SAMPLE_MS = 2_000;

/** Cumulative counters of one page's connection to its peer, read with getStats. */
interface Raw {
  at: number;
  pcId: string;
  videoBytesSent: number;
  videoBytesReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPacketsReceived: number;
  audioPacketsLost: number;
  jitterMs: number;
  concealedSamples: number;
  totalSamplesReceived: number;
  jitterBufferDelay: number;
  jitterBufferEmitted: number;
  availableOutgoingBitrate: number | null;
  rttMs: number | null;
  audioOnly: boolean;
  autoAudioOnly: boolean;
  notice: string | null;
  limitation: string;
}

function readRaw(page: Page): Promise<Raw | null> {
  return page.evaluate(async () => {
    const mesh = window.relaisCall;
    const peerId = mesh ? [...mesh.remotes.keys()][0] : undefined;
    const pc = mesh && peerId ? mesh.connectionWith(peerId) : null;
    if (!mesh || !pc) return null;
    const raw = {
      at: performance.now(),
      pcId: '',
      videoBytesSent: 0,
      videoBytesReceived: 0,
      framesDecoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      audioPacketsReceived: 0,
      audioPacketsLost: 0,
      jitterMs: 0,
      concealedSamples: 0,
      totalSamplesReceived: 0,
      jitterBufferDelay: 0,
      jitterBufferEmitted: 0,
      availableOutgoingBitrate: null as number | null,
      rttMs: null as number | null,
      audioOnly: mesh.self.audioOnly,
      autoAudioOnly: mesh.autoAudioOnly,
      notice: mesh.linkNotice,
      limitation: '',
    };
    const stats = await pc.getStats();
    let pairId = '';
    stats.forEach((s: RTCStats & Record<string, unknown>) => {
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        raw.videoBytesSent += Number(s.bytesSent ?? 0);
        raw.limitation = typeof s.qualityLimitationReason === 'string' ? s.qualityLimitationReason : '';
      }
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        raw.videoBytesReceived += Number(s.bytesReceived ?? 0);
        raw.framesDecoded += Number(s.framesDecoded ?? 0);
        raw.frameWidth = Number(s.frameWidth ?? 0);
        raw.frameHeight = Number(s.frameHeight ?? 0);
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        raw.audioPacketsReceived += Number(s.packetsReceived ?? 0);
        raw.audioPacketsLost += Number(s.packetsLost ?? 0);
        raw.jitterMs = Number(s.jitter ?? 0) * 1000;
        raw.concealedSamples += Number(s.concealedSamples ?? 0);
        raw.totalSamplesReceived += Number(s.totalSamplesReceived ?? 0);
        raw.jitterBufferDelay += Number(s.jitterBufferDelay ?? 0);
        raw.jitterBufferEmitted += Number(s.jitterBufferEmittedCount ?? 0);
      }
    });
    const pair = pairId ? (stats.get(pairId) as Record<string, unknown> | undefined) : undefined;
    if (pair) {
      raw.pcId = pairId;
      if (typeof pair.availableOutgoingBitrate === 'number') raw.availableOutgoingBitrate = pair.availableOutgoingBitrate;
      if (typeof pair.currentRoundTripTime === 'number') raw.rttMs = pair.currentRoundTripTime * 1000;
    }
    // A new connection (recovery) restarts the counters: told apart by its object.
    const tagged = pc as RTCPeerConnection & { benchId?: string };
    tagged.benchId ??= Math.random().toString(36).slice(2);
    raw.pcId = tagged.benchId;
    return raw;
  });
}

/** One side's figures over one sampling interval. */
interface Sample {
  t: number;
  videoSentKbps: number;
  videoReceivedKbps: number;
  fps: number;
  resolution: string;
  audioLossPct: number | null;
  jitterMs: number;
  concealedPct: number | null;
  bufferMs: number | null;
  bweKbps: number | null;
  rttMs: number | null;
  audioOnly: boolean;
  autoAudioOnly: boolean;
  notice: string | null;
  /** Why the encoder sends less than it would (outbound-rtp qualityLimitationReason). */
  limitation: string;
}

function delta(prev: Raw | null, now: Raw, t: number): Sample {
  const same = prev !== null && prev.pcId === now.pcId;
  const d = (key: keyof Raw): number => Number(now[key]) - (same ? Number(prev[key]) : 0);
  const seconds = same ? (now.at - prev.at) / 1000 : SAMPLE_MS / 1000;
  const received = d('audioPacketsReceived');
  const lost = Math.max(0, d('audioPacketsLost'));
  const samples = d('totalSamplesReceived');
  const emitted = d('jitterBufferEmitted');
  return {
    t,
    videoSentKbps: (d('videoBytesSent') * 8) / 1000 / seconds,
    videoReceivedKbps: (d('videoBytesReceived') * 8) / 1000 / seconds,
    fps: d('framesDecoded') / seconds,
    resolution: now.frameWidth && d('framesDecoded') > 0 ? `${now.frameWidth}×${now.frameHeight}` : '—',
    audioLossPct: received + lost > 0 ? (100 * lost) / (received + lost) : null,
    jitterMs: now.jitterMs,
    concealedPct: samples > 0 ? (100 * d('concealedSamples')) / samples : null,
    bufferMs: emitted > 0 ? (1000 * d('jitterBufferDelay')) / emitted : null,
    bweKbps: now.availableOutgoingBitrate === null ? null : now.availableOutgoingBitrate / 1000,
    rttMs: now.rttMs,
    audioOnly: now.audioOnly,
    autoAudioOnly: now.autoAudioOnly,
    notice: now.notice,
    limitation: now.limitation,
  };
}

interface Phase {
  name: string;
  seconds: number;
  apply: (emulator: LinkEmulator) => void;
}

interface RunResult {
  name: string;
  phases: { name: string; from: number; to: number }[];
  doctor: Sample[];
  patient: Sample[];
  link: ReturnType<LinkEmulator['stats']>;
}

const f = (x: number | null, digits = 0): string => (x === null || Number.isNaN(x) ? '—' : x.toFixed(digits));
const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

async function login(page: Page, identifier: string): Promise<void> {
  await page.goto('/connexion');
  await page.getByLabel('Identifiant', { exact: true }).fill(identifier);
  await page.getByLabel('Mot de passe', { exact: true }).fill('relais-demo');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vue activité' }).waitFor();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(browser: Browser, baseUrl: string, turnPort: number, name: string, phases: Phase[]): Promise<RunResult> {
  const emulator = await startLinkEmulator({ targetPort: turnPort, up: UNLIMITED, down: UNLIMITED, seed: SEED });
  const contexts: BrowserContext[] = [];
  try {
    const doctorContext = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1000, height: 800 }, permissions: ['camera', 'microphone'] });
    const patientContext = await browser.newContext({ baseURL: baseUrl, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, permissions: ['camera', 'microphone'] });
    contexts.push(doctorContext, patientContext);
    // The patient's line: its TURN server is reached through the emulator (same credentials).
    await routeTurnThrough(patientContext, turnPort, emulator.port);
    const doctor = await doctorContext.newPage();
    const patient = await patientContext.newPage();
    await login(doctor, 'dr.demo');
    const { id, link } = await instantConsultationWithLink(doctor.request, `patient.bench.${Date.now()}@example.org`);
    await doctor.goto(`/consultations/${id}`);
    await doctor.getByRole('button', { name: 'Rejoindre la salle' }).click();
    await patient.goto(link);
    await patient.getByRole('button', { name: 'Rejoindre', exact: true }).click();
    for (const page of [doctor, patient]) {
      await waitFor(async () => ((await readRaw(page))?.framesDecoded ?? 0) > 0, 30_000, `${name}: first frames`);
    }
    // Let the encoders ramp up on the clean line first, as a call that starts well would.
    await new Promise((r) => setTimeout(r, 6_000));

    const result: RunResult = { name, phases: [], doctor: [], patient: [], link: emulator.stats() };
    const prev: { doctor: Raw | null; patient: Raw | null } = { doctor: null, patient: null };
    prev.doctor = await readRaw(doctor);
    prev.patient = await readRaw(patient);
    const t0 = performance.now();
    // --forced-audio-only: the patient chooses «Mode audio seul» before the line degrades (a
    // comparison: what audio-only alone gives on this line).
    if (args.get('forced-audio-only') === '1') await patient.evaluate(() => window.relaisCall!.setAudioOnly(true));
    for (const phase of phases) {
      phase.apply(emulator);
      const from = Math.round((performance.now() - t0) / 1000);
      const end = performance.now() + phase.seconds * 1000;
      let next = performance.now() + SAMPLE_MS;
      while (next <= end + 1) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
        next += SAMPLE_MS;
        const t = Math.round((performance.now() - t0) / 1000);
        for (const [who, page] of [['doctor', doctor], ['patient', patient]] as const) {
          const raw = await readRaw(page);
          if (!raw) continue;
          result[who].push(delta(prev[who], raw, t));
          prev[who] = raw;
        }
      }
      result.phases.push({ name: phase.name, from, to: Math.round((performance.now() - t0) / 1000) });
    }
    result.link = emulator.stats();
    return result;
  } finally {
    for (const context of contexts) await context.close();
    await emulator.stop();
  }
}

function printRun(result: RunResult): void {
  console.log(`\n## ${result.name}`);
  for (const phase of result.phases) console.log(`  ${phase.from}–${phase.to} s: ${phase.name}`);
  console.log(
    [
      '   t',
      'vid D→P',
      'P fps',
      'P recv res',
      'vid P→D',
      'D fps',
      'D recv res',
      'aud loss P/D %',
      'conceal P/D %',
      'jitter P/D ms',
      'buffer P/D ms',
      'BWE P/D kbit/s',
      'RTT ms',
      'audio-only P/D',
      'limited by P/D',
    ].join(' | '),
  );
  for (let i = 0; i < Math.min(result.doctor.length, result.patient.length); i++) {
    const d = result.doctor[i]!;
    const p = result.patient[i]!;
    const mode = (s: Sample) => (s.autoAudioOnly ? 'auto' : s.audioOnly ? 'yes' : 'no');
    console.log(
      [
        String(p.t).padStart(4),
        f(d.videoSentKbps).padStart(7),
        f(p.fps, 1).padStart(5),
        p.resolution.padStart(10),
        f(p.videoSentKbps).padStart(7),
        f(d.fps, 1).padStart(5),
        d.resolution.padStart(10),
        `${f(p.audioLossPct, 1)}/${f(d.audioLossPct, 1)}`.padStart(14),
        `${f(p.concealedPct, 1)}/${f(d.concealedPct, 1)}`.padStart(13),
        `${f(p.jitterMs)}/${f(d.jitterMs)}`.padStart(13),
        `${f(p.bufferMs)}/${f(d.bufferMs)}`.padStart(13),
        `${f(p.bweKbps)}/${f(d.bweKbps)}`.padStart(14),
        f(p.rttMs).padStart(6),
        `${mode(p)}/${mode(d)}`.padStart(14),
        `${p.limitation || '—'}/${d.limitation || '—'}`,
      ].join(' | '),
    );
  }
  const link = result.link;
  console.log(
    `  emulator: up ${link.up.packets} packets, ${link.up.lost} lost at random, ${link.up.dropped} dropped by the full queue; ` +
      `down ${link.down.packets} packets, ${link.down.lost} lost, ${link.down.dropped} dropped`,
  );
}

/**
 * The docs' table: one row per stretch of one phase in which the call kept one mode (video both
 * ways, or audio-only because one page or the other switched), medians and means over it.
 */
function summaryRows(result: RunResult, phase: { name: string; from: number; to: number }): string[] {
  const rows: string[] = [];
  const n = Math.min(result.patient.length, result.doctor.length);
  const pairs = Array.from({ length: n }, (_, k) => ({ p: result.patient[k]!, d: result.doctor[k]! })).filter(({ p }) => p.t > phase.from && p.t <= phase.to);
  const modeOf = ({ p, d }: { p: Sample; d: Sample }): string =>
    p.autoAudioOnly ? 'audio-only (patient’s page, by itself)' : d.autoAudioOnly ? 'audio-only (doctor’s page, by itself)' : p.audioOnly || d.audioOnly ? 'audio-only' : 'video';
  let i = 0;
  while (i < pairs.length) {
    const mode = modeOf(pairs[i]!);
    let j = i;
    while (j < pairs.length && modeOf(pairs[j]!) === mode) j++;
    const stretch = pairs.slice(i, j);
    const p = stretch.map((x) => x.p);
    const d = stretch.map((x) => x.d);
    const nums = (xs: Sample[], key: keyof Sample) => xs.map((s) => s[key]).filter((x): x is number => typeof x === 'number');
    rows.push(
      [
        `${result.name}, ${phase.name}, ${p[0]!.t - 2}–${p.at(-1)!.t} s: ${mode}`,
        `${f(median(nums(d, 'videoSentKbps')))} / ${f(median(nums(p, 'videoSentKbps')))}`,
        `${f(median(nums(p, 'fps')), 1)} / ${f(median(nums(d, 'fps')), 1)}`,
        `${p.at(-1)!.resolution} / ${d.at(-1)!.resolution}`,
        `${f(mean(nums(p, 'audioLossPct')), 1)} / ${f(mean(nums(d, 'audioLossPct')), 1)}`,
        `${f(mean(nums(p, 'concealedPct')), 1)} / ${f(mean(nums(d, 'concealedPct')), 1)}`,
        `${f(median(nums(p, 'jitterMs')))} / ${f(median(nums(d, 'jitterMs')))}`,
        `${f(median(nums(p, 'bufferMs')))} / ${f(median(nums(d, 'bufferMs')))}`,
        `${f(median(nums(p, 'bweKbps')))} / ${f(median(nums(d, 'bweKbps')))}`,
        `${f(median(nums(p, 'rttMs')))}`,
      ].join(' | '),
    );
    i = j;
  }
  return rows;
}

/** When a page changed mode by itself, in seconds since the start of the run. */
function switches(samples: Sample[]): string {
  const out: string[] = [];
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const now = samples[i]!;
    if (!before.autoAudioOnly && now.autoAudioOnly) out.push(`audio-only at ${now.t} s`);
    if (before.autoAudioOnly && !now.autoAudioOnly && !now.audioOnly) out.push(`video back at ${now.t} s`);
  }
  return out.length ? out.join(', ') : 'none';
}

const turn = await startCoturn();
const server = await startRelaisServer({ TURN_URLS: turn.url, TURN_SECRET: turn.secret, ICE_TRANSPORT_POLICY: 'relay' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--disable-background-networking'],
});
const weak = weakLine(RATE_KBPS * 1000, DELAY_MS, LOSS_PCT / 100, QUEUE_MS);
const started = new Date();
const loadBefore = loadavg()[0]!;
try {
  const results: RunResult[] = [];
  if (BASELINE_S > 0) {
    results.push(await run(browser, server.baseUrl, turn.port, 'baseline', [{ name: 'no impairment', seconds: BASELINE_S, apply: () => undefined }]));
    printRun(results.at(-1)!);
  }
  const weakName = `${RATE_KBPS} kbit/s, ${DELAY_MS} ms, ${LOSS_PCT} % loss`;
  const phases: Phase[] = [{ name: `weak line (${weakName} each way, queue ${QUEUE_MS} ms)`, seconds: WEAK_S, apply: (e) => e.setProfile(weak, weak) }];
  if (RECOVER_S > 0) phases.push({ name: 'line recovered', seconds: RECOVER_S, apply: (e) => e.setProfile(UNLIMITED, UNLIMITED) });
  results.push(await run(browser, server.baseUrl, turn.port, 'weak line', phases));
  printRun(results.at(-1)!);

  console.log(`\n## Summary (${started.toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after)`);
  console.log(
    'run, phase, seconds: the call’s mode | video sent D→P / P→D kbit/s (median) | fps received P / D | resolution received P / D (end) | audio loss P / D % (mean) | concealed P / D % (mean) | jitter P / D ms | audio buffer P / D ms | BWE P / D kbit/s | RTT ms',
  );
  for (const result of results) for (const phase of result.phases) for (const row of summaryRows(result, phase)) console.log(row);
  for (const result of results) console.log(`${result.name}: patient switched ${switches(result.patient)}; doctor switched ${switches(result.doctor)}`);
  if (args.get('json')) writeFileSync(args.get('json')!, JSON.stringify({ date: started.toISOString(), profile: { RATE_KBPS, DELAY_MS, LOSS_PCT, QUEUE_MS, SEED }, results }, null, 1));
} finally {
  await browser.close();
  await server.stop();
  await turn.stop();
}
