/**
 * Debian's coturn (`turnserver`) started for a test or a bench, on loopback, in the REST-secret
 * mode Relais expects (`use-auth-secret` + `static-auth-secret`, docs/CALLS.md). It writes nothing
 * outside its temp dir (no config file: `-n`; its own pid file and user database) and stops with
 * the process that started it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** Why coturn cannot run here, or null when it can. */
export function coturnMissing(): string | null {
  if (!existsSync(TURNSERVER)) return `${TURNSERVER} is not installed (apt-get install coturn)`;
  const version = spawnSync(TURNSERVER, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  if (version.status !== 0 && !/\d+\.\d+/.test(`${version.stdout}${version.stderr}`)) return `${TURNSERVER} does not run`;
  return null;
}

export interface Coturn {
  /** The UDP port TURN clients talk to, on 127.0.0.1. */
  port: number;
  secret: string;
  realm: string;
  /** turn:127.0.0.1:<port>?transport=udp */
  url: string;
  /** Everything coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** A UDP port free right now on 127.0.0.1. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A TCP port free right now on 127.0.0.1. */
export { freePort as freeTcpPort } from '../cluster/engines.ts';

/** A STUN Binding request (RFC 5389 header only); true when a Binding success answers. */
export function stunBinding(port: number, host = '127.0.0.1', timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0);
    request.writeUInt16BE(0, 2);
    request.writeUInt32BE(0x2112a442, 4);
    randomBytes(12).copy(request, 8);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('message', (msg) => done(msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(request.subarray(8, 20))));
    socket.on('error', () => done(false));
    socket.send(request, port, host);
  });
}

export interface CoturnOptions {
  secret?: string;
  realm?: string;
  /** Extra turnserver arguments. */
  args?: string[];
}

/**
 * Starts `turnserver` listening and relaying on 127.0.0.1 only. Loopback peers are allowed
 * (`--allow-loopback-peers`): every browser of a test is on this machine, and coturn refuses to
 * relay to 127.0.0.0/8 otherwise. Never in production.
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  const missing = coturnMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'relais-coturn-'));
  const port = await freeUdpPort();
  const secret = options.secret ?? randomBytes(18).toString('base64url');
  const realm = options.realm ?? 'relais.test';
  // A relay port range of its own, away from the listening port.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const logFile = join(dir, 'turn.log');
  const args = [
    '-n',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-tcp-relay',
    '--no-rfc5780',
    '--no-stun-backward-compatibility',
    '--fingerprint',
    `--userdb=${join(dir, 'turndb')}`,
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--log-file=${logFile}`,
    '--simple-log',
    '--no-stdout-log',
    ...(options.args ?? []),
  ];
  const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (!exited && child.pid) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3_000))]);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await stunBinding(port))) {
    if (exited || Date.now() - started > 10_000) {
      const why = `${stderr}\n${log()}`.trim().split('\n').slice(-15).join('\n');
      await stop();
      throw new Error(`turnserver did not answer on 127.0.0.1:${port}:\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, secret, realm, url: `turn:127.0.0.1:${port}?transport=udp`, log, stop };
}
