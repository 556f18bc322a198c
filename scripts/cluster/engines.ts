/**
 * Throw-away instances of the engines a cluster runs on, from Debian's packages, on loopback:
 * PostgreSQL, Redis and HAProxy. Used by `npm run cluster`, the tests and the
 * bench; never for production, where the nodes point at managed instances (README «Cluster»).
 *
 * Each engine runs in its own process group (`detached`): a Ctrl-C at the terminal reaches the
 * launcher alone, which then stops them in order (`npm run cluster`).
 *
 * PostgreSQL refuses to run as root: when this process is root (CI), initdb and the server run as
 * `nobody` in a temp dir that account owns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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
 * Engines still running when this process exits (a test runner killed, a launcher crashing):
 * killed with it, so that no PostgreSQL or Redis outlives the run that started it. Their own
 * process group keeps a terminal's Ctrl-C from reaching them before the launcher stops them in order.
 */
const running = new Set<ChildProcess>();
let reaperSet = false;

export function reapOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (reaperSet) return;
  reaperSet = true;
  process.once('exit', () => {
    for (const engine of running) engine.kill('SIGKILL');
  });
}

/**
 * Spawns an engine in its own process group and resolves once its output says `readyText`; every
 * line goes to `log`. Throws with what it printed if it stops first.
 */
async function spawnUntilReady(name: string, command: string, args: string[], readyText: string, log?: (line: string) => void): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  reapOnExit(child);
  let output = '';
  const take = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim()) log?.(line);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`${name} stopped at start: ${output}`);
    return output.includes(readyText);
  }, name);
  return child;
}

/** An Engine over a launched child: `stop` sends `stopSignal` (each engine's fast clean shutdown) and removes `dir`. */
function engineHandle(url: string, port: number, child: () => ChildProcess, launch: () => Promise<void>, stopSignal: NodeJS.Signals, dir: string): Engine {
  return {
    url,
    port,
    get process() {
      return child();
    },
    start: launch,
    async kill() {
      child().kill('SIGKILL');
      await exited(child());
    },
    async stop() {
      child().kill(stopSignal);
      await exited(child());
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
    child = await spawnUntilReady('PostgreSQL', server.command, server.args, 'ready to accept connections', options.log);
  };
  await launch();
  return engineHandle(`postgres://relais:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, port, () => child, launch, 'SIGINT', dir);

}

/** Whether a program is on the PATH (or in /usr/sbin, where Debian puts haproxy). */
export function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`], { stdio: 'ignore' }).status === 0;
}

/**
 * A Redis server on 127.0.0.1 with a random password (in the URL), no RDB snapshots, and an
 * append-only file when `appendOnly` (so that `kill` then `start` finds what was acknowledged,
 * to the second: appendfsync everysec). `kill`/`start` restart it on the same port and files.
 */
export async function startRedis(options: { port?: number; appendOnly?: boolean; log?: (line: string) => void } = {}): Promise<Engine> {
  if (!installed('redis-server')) throw new Error('Redis is not installed: apt-get install -y redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'relais-redis-'));
  const password = randomBytes(18).toString('base64url');
  // The password in a config file, not on the command line where `ps` shows it.
  const configFile = join(dir, 'redis.conf');
  writeFileSync(configFile, `requirepass ${password}\n`, { mode: 0o600 });
  const port = options.port ?? (await freePort());
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    const args = [configFile, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''];
    args.push('--appendonly', options.appendOnly ? 'yes' : 'no');
    child = await spawnUntilReady('Redis', 'redis-server', args, 'Ready to accept connections', options.log);
  };
  await launch();
  return engineHandle(`redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`, port, () => child, launch, 'SIGTERM', dir);

}

export interface Haproxy {
  /** The first `bind` port of the configuration, and its URL on loopback. */
  port: number;
  url: string;
  /** The master process (`-W`): its workers serve. */
  process: ChildProcess;
  /** Where the configuration is written. */
  configFile: string;
  /** Checks then loads a new configuration without dropping established connections (SIGUSR2). */
  reload(config: string): Promise<void>;
  /** A runtime API command to the current worker (`show servers state`, `disable server sync/node-1`…). */
  command(line: string): Promise<string>;
  /** Stops the master and its workers, removes the temp dir. */
  stop(): Promise<void>;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * HAProxy (Debian's `haproxy`) in the foreground (`-db`) in master-worker mode (`-W`), so that
 * `reload` is HAProxy's own seamless reload. The configuration is checked (`haproxy -c`) before
 * each load. The master CLI socket in the temp dir carries `command`.
 */
export async function startHaproxy(config: string, options: { log?: (line: string) => void } = {}): Promise<Haproxy> {
  const binary = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
  if (!installed('haproxy')) throw new Error('HAProxy is not installed: apt-get install -y haproxy');
  const dir = mkdtempSync(join(tmpdir(), 'relais-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  const masterSocket = join(dir, 'master.sock');
  const write = (text: string): void => {
    writeFileSync(configFile, text, { mode: 0o600 });
    const check = spawnSync(binary, ['-c', '-f', configFile], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`HAProxy refuses the configuration: ${check.stderr || check.stdout}`);
  };
  const ports = (text: string): number[] => [...text.matchAll(/^\s*bind\s+\S*?:(\d+)/gm)].map((m) => Number(m[1]));
  try {
    write(config);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const child = spawn(binary, ['-W', '-db', '-S', masterSocket, '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  reapOnExit(child);
  let output = '';
  const take = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.log?.(line);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const loads = (): number => output.split('Loading success.').length - 1;
  const failures = (): number => output.split('Loading failure').length - 1;
  const listening = async (text: string): Promise<void> => {
    for (const port of ports(text)) await waitFor(() => tcpOpen(port), `HAProxy on port ${port}`, 10_000);
  };
  try {
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`HAProxy stopped at start: ${output}`);
      return loads() > 0;
    }, 'HAProxy', 10_000);
    await listening(config);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const port = ports(config)[0] ?? 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    configFile,
    async reload(text) {
      write(text);
      const [before, failedBefore] = [loads(), failures()];
      child.kill('SIGUSR2');
      await waitFor(() => {
        if (failures() > failedBefore) throw new Error(`HAProxy could not load the new configuration: ${output}`);
        return loads() > before;
      }, 'HAProxy reload', 10_000);
      await listening(text);
    },
    async command(line) {
      const ask = (): Promise<string> =>
        new Promise((resolve, reject) => {
          const socket = connect(masterSocket);
          let answer = '';
          socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
          socket.once('error', reject);
          socket.once('close', () => resolve(answer));
          // `@1`: the current worker; the master answers once the socket's write side closes.
          socket.end(`@1 ${line}\n`);
        });
      // The master's CLI refuses connections for a moment while it forks a worker.
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await ask();
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || attempt >= 40) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
