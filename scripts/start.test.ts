/**
 * #11 finding 3, SPEC §9 «production never holds demo accounts»: `npm start` seeds the demo only
 * outside production; in production an empty data dir stays empty and the start says, in French,
 * how to create the first establishment and administrator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../sync-server/store/index.ts';
import { tempDataDir } from '../sync-server/testing/harness.ts';
import { freePort } from '../sync-server/testing/serverProcess.ts';
import { SERVER_NODE_FLAGS } from '../sync-server/nodeFlags.ts';
import { DEMO_PASSWORD, seedDemoIfEmpty } from './demo.ts';

const root = join(import.meta.dirname, '..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = tempDataDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function store(dir: string): Store {
  const s = openStore(dir);
  cleanups.push(() => s.close());
  return s;
}

/** `npm start` as package.json runs it, without the client build; resolves with its output once it has started. */
async function npmStart(env: Record<string, string>): Promise<{ child: ChildProcess; output: string; http: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, RELAIS_SKIP_BUILD: '1', HOST: '127.0.0.1', PORT: String(port), PEER_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('Ctrl-C') && resolve());
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${output.slice(-800)}`)));
  });
  return { child, output, http: `http://127.0.0.1:${port}` };
}

/** `npm start` run to its end (a start refused): its exit code and output. */
async function npmStartToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, RELAIS_SKIP_BUILD: '1', HOST: '127.0.0.1', PORT: String(await freePort()), PEER_PORT: String(await freePort()), RELAIS_DATA_DIR: dataDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** The JSON log lines of `output` (stdout is not a terminal: every line of ours is JSON). */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const demoLogin = (http: string) =>
  fetch(`${http}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: 'dr.demo', password: DEMO_PASSWORD }) });

describe('#11 §9 production never holds demo accounts', () => {
  it('seeds an empty store outside production only, and never a store that has accounts', async () => {
    const production = store(dataDir());
    expect(await seedDemoIfEmpty(production, true)).toBe('empty');
    expect(await production.users.count()).toBe(0);
    expect(await production.establishments.list()).toEqual([]);

    const development = store(dataDir());
    expect(await seedDemoIfEmpty(development, false)).toBe('seeded');
    expect(await development.users.byIdentifier('dr.demo')).toBeDefined();
    const accounts = await development.users.count();
    expect(await seedDemoIfEmpty(development, false)).toBe('existing');
    expect(await development.users.count()).toBe(accounts);
  });

  it('`npm start` with NODE_ENV=production on an empty data dir creates no demo account and says how to create the first administrator', async () => {
    const dir = dataDir();
    const { output, http } = await npmStart({ NODE_ENV: 'production', RELAIS_DATA_DIR: dir, PUBLIC_URL: 'https://relais.example.fr' });
    expect(output).toContain('npm run admin -- establishment add');
    expect(output).toContain('--role admin');
    expect(output).not.toContain(DEMO_PASSWORD);
    const res = await demoLogin(http);
    expect(res.status).toBe(401);
  }, 60_000);
});

describe('#14 settings checked at start', () => {
  it('a bad value stops `npm start` with exit code 2 and a message naming the variable and what it expects', async () => {
    const port = await npmStartToExit({ PORT: 'abc' });
    expect(port.code).toBe(2);
    expect(logLines(port.output).map((l) => l.msg).join('\n')).toContain('PORT="abc": expected a port number from 0 to 65535');

    const level = await npmStartToExit({ LOG_LEVEL: 'loud', RELAIS_COMPACT_AFTER: '-3' });
    expect(level.code).toBe(2);
    const message = logLines(level.output).map((l) => l.msg).join('\n');
    expect(message).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
    // Every bad setting at once, not one per attempt.
    expect(message).toContain('RELAIS_COMPACT_AFTER="-3": expected an integer from 1 to 1000000');
  }, 60_000);

  it('never repeats the value of a secret setting it refuses', async () => {
    const { code, output } = await npmStartToExit({ SMTP_URL: 'ftp://relais:s3cret-pass@mail.example.fr' });
    expect(code).toBe(2);
    expect(output).toContain('SMTP_URL: expected a URL starting with smtp:// or smtps://');
    expect(output).not.toContain('s3cret-pass');
  }, 60_000);
});

describe('#14 structured logs', () => {
  it('writes JSON lines when stdout is not a terminal, one access line per request with the route pattern, never the id', async () => {
    const { child, output: first, http } = await npmStart({ RELAIS_DATA_DIR: dataDir() });
    let output = first;
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const id = 'Zz9SECRETidXXabc';
    const res = await fetch(`${http}/api/consultations/${id}`);
    expect(res.status).toBe(401);
    const requestId = res.headers.get('x-request-id');
    await fetch(`${http}/consultations/${id}/dossier`);
    await expect.poll(() => logLines(output).filter((l) => l.msg === 'http').length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);

    for (const line of output.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const access = logLines(output).filter((l) => l.msg === 'http');
    expect(access[0]).toMatchObject({ level: 30, req: requestId, method: 'GET', route: '/api/consultations/:consultationId', status: 401 });
    expect(typeof access[0]!.ms).toBe('number');
    expect(access[1]).toMatchObject({ method: 'GET', route: '(client)' });
    expect(output).not.toContain(id);
    expect(logLines(output).some((l) => typeof l.msg === 'string' && l.msg.startsWith('Relais est prêt'))).toBe(true);
  }, 60_000);
});

describe('#14 a quiet first start', () => {
  // A real `vite build` (~15 s alone, up to a minute on a loaded machine): the first start of a fresh clone.
  it('builds the client with no wall of bundler warnings, then says Relais is ready', async () => {
    const clientDir = dataDir();
    const { output, http } = await npmStart({ RELAIS_DATA_DIR: dataDir(), RELAIS_CLIENT_DIR: clientDir, RELAIS_SKIP_BUILD: '0' });
    expect(output).not.toContain('MODULE_LEVEL_DIRECTIVE');
    expect(output).not.toContain('use client');
    expect(output).not.toContain('vite build :');
    const messages = logLines(output).map((l) => String(l.msg));
    expect(messages[0]).toBe('Construction de l’interface (vite build)…');
    expect(messages.some((m) => /^Interface construite en \d+ s$/.test(m))).toBe(true);
    expect(messages.some((m) => m.startsWith('Relais est prêt'))).toBe(true);
    const page = await fetch(`${http}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id=');
  }, 240_000);
});
