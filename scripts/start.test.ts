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

const demoLogin = (http: string) =>
  fetch(`${http}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: 'dr.demo', password: DEMO_PASSWORD }) });

describe('#11 §9 production never holds demo accounts', () => {
  it('seeds an empty store outside production only, and never a store that has accounts', async () => {
    const production = store(dataDir());
    expect(await seedDemoIfEmpty(production, true)).toBe('empty');
    expect(production.users.count()).toBe(0);
    expect(production.establishments.list()).toEqual([]);

    const development = store(dataDir());
    expect(await seedDemoIfEmpty(development, false)).toBe('seeded');
    expect(development.users.byIdentifier('dr.demo')).toBeDefined();
    const accounts = development.users.count();
    expect(await seedDemoIfEmpty(development, false)).toBe('existing');
    expect(development.users.count()).toBe(accounts);
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
