/**
 * Throw-away instances of the engines a cluster runs on, from Debian's packages, on loopback:
 * PostgreSQL here (Redis and HAProxy beside it). Used by `npm run cluster`, the tests and the
 * bench; never for production, where the nodes point at managed instances (README «Cluster»).
 *
 * PostgreSQL refuses to run as root: when this process is root (CI), initdb and the server run as
 * `nobody` in a temp dir that account owns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback (taken then released: the engine binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Where Debian puts PostgreSQL's programs (the newest major installed), or null. */
export function postgresBin(): string | null {
  for (const major of ['17', '16', '15']) {
    const dir = `/usr/lib/postgresql/${major}/bin`;
    if (existsSync(join(dir, 'postgres'))) return dir;
  }
  return null;
}

const NOBODY = 65534;
const asRoot = (): boolean => process.getuid?.() === 0;

/** Runs `command` as this user, or as nobody when this process is root. */
function runAs(command: string, args: string[]): { command: string; args: string[] } {
  return asRoot() ? { command: 'setpriv', args: [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', command, ...args] } : { command, args };
}

export interface Engine {
  url: string;
  port: number;
  /** The engine's own process. */
  process: ChildProcess;
  /** Stops it (fast shutdown) and removes its files. */
  stop(): Promise<void>;
  /** Kills it at once, files kept: the crash a test inflicts. `start` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A fresh PostgreSQL cluster in a temp dir, listening on 127.0.0.1 only, with one database
 * `relais` owned by a user `relais` whose random password is in the URL (scram-sha-256).
 */
export async function startPostgres(options: { port?: number; log?: (line: string) => void } = {}): Promise<Engine> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'relais-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (asRoot()) {
    chownSync(dir, NOBODY, NOBODY);
    chownSync(pwfile, NOBODY, NOBODY);
  }
  const init = runAs(join(bin, 'initdb'), ['-D', data, '-U', 'relais', '--pwfile', pwfile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const initRun = spawnSync(init.command, init.args, { encoding: 'utf8' });
  if (initRun.status !== 0) throw new Error(`initdb failed: ${initRun.stderr || initRun.stdout}`);
  rmSync(pwfile);
  const port = options.port ?? (await freePort());
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    // fsync stays on: the tests that kill nodes rely on what PostgreSQL acknowledged.
    const server = runAs(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=64MB']);
    child = spawn(server.command, server.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.log?.(line);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`PostgreSQL stopped at start: ${output}`);
      return output.includes('ready to accept connections');
    }, 'PostgreSQL');
  };
  await launch();
  return {
    url: `postgres://relais:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    get process() {
      return child;
    },
    start: launch,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGINT');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
