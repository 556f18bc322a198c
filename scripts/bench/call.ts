/**
 * Video room figures on loopback (issue «video room», report): Debian Chromium with its fake
 * camera, the real sync server and peer server (`npm start` on a temp data dir, started here).
 *
 *   npx tsx scripts/bench/call.ts [--runs 10] [--hold 60]
 *
 * 1. Time from the second participant's «Rejoindre la salle» click to the first remote frame
 *    (remote <video> has a width), median and spread over `runs` calls of two professionals.
 * 2. Outgoing bitrate per peer (getStats bytesSent) with 2, 3 and 5 participants.
 * 3. Five participants held together for `hold` seconds: frames decoded per peer, CPU of the
 *    browser processes (from /proc), the mesh still complete at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const RUNS = Number(args.get('runs') ?? 10);
const HOLD_S = Number(args.get('hold') ?? 60);
const PORT = Number(args.get('port') ?? 8591);
const base = `http://127.0.0.1:${PORT}`;

const dataDir = mkdtempSync(join(tmpdir(), 'relais-callbench-'));
// Its own process group, so that stopping it stops tsx's child too.
const server = spawn(join('node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
  detached: true,
  env: { ...process.env, PORT: String(PORT), PEER_PORT: String(PORT + 1000), RELAIS_DATA_DIR: dataDir, HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ready = new Promise<void>((resolve, reject) => {
  server.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('Relais est prêt')) resolve();
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function participant(browser: Browser, identifier: string, consultationPath: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/connexion`);
  await page.getByLabel('Identifiant', { exact: true }).fill(identifier);
  await page.getByLabel('Mot de passe', { exact: true }).fill('relais-demo');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vue activité' }).waitFor();
  if (consultationPath === '/') return page;
  await page.goto(`${base}${consultationPath}`);
  await page.getByRole('button', { name: 'Rejoindre la salle' }).waitFor();
  return page;
}

const remoteWidths = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('[data-testid="tile-remote"] video')].map((v) => v.videoWidth));

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function firstConsultationPath(browser: Browser): Promise<string> {
  const page = await participant(browser, 'dr.demo', '/');
  const href = await page.getByRole('list', { name: 'Télédossiers consultables' }).getByRole('link').first().getAttribute('href');
  await page.context().close();
  return href!;
}

function browserCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while read
    }
  }
  return ticks / 100;
}

async function sendRates(pages: Page[]): Promise<number[]> {
  const rates: number[] = [];
  for (const page of pages) {
    const perPeer = await page.evaluate(() => [...window.relaisCall!.remotes.values()].map((r) => r.sendBitrate));
    rates.push(...perPeer);
  }
  return rates;
}

try {
  await ready;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--disable-background-networking'],
  });
  const path = await firstConsultationPath(browser);

  // 1. «Rejoindre» → first remote frame.
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const a = await participant(browser, 'dr.demo', path);
    const b = await participant(browser, 'ide.demo', path);
    await a.getByRole('button', { name: 'Rejoindre la salle' }).click();
    await a.getByTestId('tile-self').waitFor();
    const t0 = Date.now();
    await b.getByRole('button', { name: 'Rejoindre la salle' }).click();
    await waitUntil(async () => (await remoteWidths(b))[0]! > 0, 30_000);
    times.push(Date.now() - t0);
    await a.context().close();
    await b.context().close();
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`«Rejoindre» → first remote frame over ${RUNS} runs: median ${median(times)} ms, min ${Math.min(...times)} ms, max ${Math.max(...times)} ms (${times.join(', ')})`);

  // 2 and 3. Bitrates at 2, 3 and 5; then five held together.
  const pages: Page[] = [];
  const identities = ['dr.demo', 'ide.demo', 'dr.demo', 'ide.demo', 'dr.demo'];
  for (const [i, who] of identities.entries()) {
    const page = await participant(browser, who, path);
    await page.getByRole('button', { name: 'Rejoindre la salle' }).click();
    pages.push(page);
    const n = i + 1;
    if (n === 1) continue;
    await waitUntil(async () => {
      for (const p of pages) if ((await remoteWidths(p)).filter((w) => w > 0).length < n - 1) return false;
      return true;
    }, 60_000);
    if (n === 2 || n === 3 || n === 5) {
      await new Promise((r) => setTimeout(r, 8_000)); // let the encoder ramp up to its cap
      const rates = await sendRates(pages);
      const caps = await pages[0]!.evaluate(() => {
        const mesh = window.relaisCall!;
        return [...mesh.remotes.keys()].map((id) => {
          const sender = mesh.connectionWith(id)?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
          return sender?.getParameters().encodings[0]?.maxBitrate ?? 0;
        });
      });
      console.log(`${n} participants: sent per peer median ${Math.round(median(rates) / 1000)} kbit/s (min ${Math.round(Math.min(...rates) / 1000)}, max ${Math.round(Math.max(...rates) / 1000)}); video cap ${caps[0]! / 1000} kbit/s`);
    }
  }
  const framesAt = async () => (await Promise.all(pages.map((p) => p.evaluate(() => [...window.relaisCall!.remotes.values()].map((r) => r.framesDecoded))))).flat();
  const f0 = await framesAt();
  const cpu0 = browserCpuSeconds();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, HOLD_S * 1000));
  const elapsed = (Date.now() - t0) / 1000;
  const f1 = await framesAt();
  const cpu = (browserCpuSeconds() - cpu0) / elapsed;
  const fps = f1.map((f, i) => (f - (f0[i] ?? 0)) / elapsed);
  const complete = await Promise.all(pages.map(async (p) => (await remoteWidths(p)).filter((w) => w > 0).length));
  console.log(
    `5 participants held ${Math.round(elapsed)} s: ${fps.length} remote streams, decoded fps median ${median(fps).toFixed(1)} (min ${Math.min(...fps).toFixed(1)}); ` +
      `browser CPU ${cpu.toFixed(2)} cores (5 pages, ${20} streams); remote tiles with video per page at the end: ${complete.join(', ')}`,
  );
  await browser.close();
} finally {
  if (server.pid) process.kill(-server.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  rmSync(dataDir, { recursive: true, force: true });
}
