/**
 * #14 deployment files, checked without a Docker engine (this machine has only the client):
 * - the image's start command (Dockerfile CMD, with the runtime stage's ENV) run in a copy of what
 *   the runtime stage's COPY instructions put in /app (less .dockerignore), against a fresh data dir: it starts, /api/health answers, and the image's
 *   own HEALTHCHECK command says healthy;
 * - docs/ops/compose.yaml parses and wires what the image exposes;
 * - docs/ops/relais.service passes `systemd-analyze verify` and runs the same command.
 * The Dockerfile itself is linted by dockerfilelint in `npm run lint`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { tempDataDir } from '../sync-server/testing/harness.ts';
import { freePort } from '../sync-server/testing/serverProcess.ts';

const root = join(import.meta.dirname, '..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Instruction {
  name: string;
  args: string;
}

/** The Dockerfile's instructions (continuations joined, comments dropped), by stage. */
function dockerfileStages(): Instruction[][] {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [, name, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (name!.toUpperCase() === 'FROM') stages.push([]);
    stages[stages.length - 1]!.push({ name: name!.toUpperCase(), args: args! });
  }
  return stages;
}

function runtimeStage(): { env: Record<string, string>; cmd: string[]; healthcheck: string[]; user: string; volumes: string[]; exposed: string[] } {
  const stage = dockerfileStages().at(-1)!;
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.name === 'ENV')) for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  const one = (name: string) => stage.filter((i) => i.name === name).at(-1)?.args ?? '';
  return {
    env,
    cmd: JSON.parse(one('CMD')) as string[],
    healthcheck: JSON.parse(one('HEALTHCHECK').replace(/^.*?\bCMD\s+/, '')) as string[],
    user: one('USER'),
    volumes: JSON.parse(one('VOLUME')) as string[],
    exposed: one('EXPOSE').split(/\s+/),
  };
}

/** .dockerignore's patterns as a test on a path relative to the context (the subset of the syntax it uses). */
function dockerIgnored(): (path: string) => boolean {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/(?<!\.)\*/g, '[^/]*')}(/.*)?$`));
  return (path) => patterns.some((re) => re.test(path));
}

/**
 * /app as the runtime stage builds it: what its COPY instructions take from the context (less what
 * .dockerignore leaves out), the client built here for the build stage's output, and this
 * checkout's node_modules for `npm ci --omit=dev`.
 */
function assembleApp(): string {
  const app = tempDataDir();
  cleanups.push(() => rmSync(app, { recursive: true, force: true }));
  const ignored = dockerIgnored();
  for (const { args } of dockerfileStages().at(-1)!.filter((i) => i.name === 'COPY')) {
    const words = args.split(/\s+/);
    if (words[0]!.startsWith('--from=')) {
      mkdirSync(join(app, 'dist'), { recursive: true });
      if (existsSync(join(root, 'dist', 'client'))) symlinkSync(join(root, 'dist', 'client'), join(app, words.at(-1)!));
      continue;
    }
    const dest = words.at(-1)!;
    for (const src of words.slice(0, -1)) {
      const target = dest.endsWith('/') || dest === '.' || dest === './' ? join(app, src) : join(app, dest);
      cpSync(join(root, src), target, { recursive: true, filter: (from) => from === join(root, src) || !ignored(relative(root, from)) });
    }
  }
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
  return app;
}

function run(command: string[], env: NodeJS.ProcessEnv, cwd = root): ChildProcess {
  // The image's `node` is this machine's Node.
  const [program, ...args] = command;
  return spawn(program === 'node' ? process.execPath : program!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('#14 the image', () => {
  it('runs its CMD as a non-root user with the data dir a volume, and the ports it exposes are the ones the server listens on', () => {
    const image = runtimeStage();
    expect(image.user).not.toMatch(/^(root|0)?$/);
    expect(image.volumes).toContain(image.env.RELAIS_DATA_DIR);
    expect(image.exposed.sort()).toEqual([image.env.PORT, image.env.PEER_PORT].sort());
    expect(image.env.NODE_ENV).toBe('production');
    // The runtime stage installs no dev dependency: what it runs must not need one (tsx is a dependency).
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
    expect(dockerfileStages().at(-1)!.some((i) => i.name === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true);
  });

  it('its start command, with its environment, starts on a fresh data dir and its HEALTHCHECK finds /api/health OK', async () => {
    const image = runtimeStage();
    const app = assembleApp();
    const dataDir = tempDataDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...image.env,
      // What differs from the container: loopback, ports of this test, a temp data dir, the
      // client as built here (the CMD builds nothing: RELAIS_SKIP_BUILD), and PUBLIC_URL, which
      // production requires and compose.yaml sets.
      HOST: '127.0.0.1',
      PORT: String(port),
      PEER_PORT: String(await freePort()),
      RELAIS_DATA_DIR: dataDir,
      RELAIS_CLIENT_DIR: join(app, 'dist', 'client'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    delete env.RELAIS_MASTER_KEY;
    expect(image.env.RELAIS_SKIP_BUILD).toBe('1');
    // Only what the image holds: no test, no bench, no docs.
    expect(existsSync(join(app, 'scripts', 'start.ts'))).toBe(true);
    expect(existsSync(join(app, 'sync-server', 'testing'))).toBe(false);
    expect(existsSync(join(app, 'scripts', 'backup.test.ts'))).toBe(false);
    const child = run(image.cmd, env, app);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    await Promise.race([
      new Promise<void>((resolve) => child.stdout!.on('data', () => output.includes('Ctrl-C') && resolve())),
      exited.then((code) => Promise.reject(new Error(`the image's CMD exited (${code}): ${output.slice(-800)}`))),
    ]);
    expect(output).toContain('Relais est prêt');
    // Production: no demo account; the start says how to create the first administrator.
    expect(output).toContain('Aucun compte');

    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const check = run(image.healthcheck, env, app);
    expect(await new Promise((resolve) => check.once('exit', resolve))).toBe(0);
    // The volume holds the store and the keys.
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['lmdb', 'keys', 'blobs']));

    // `docker stop` sends SIGTERM: the server closes the store and exits 0.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // And the check then says unhealthy.
    const after = run(image.healthcheck, env, app);
    expect(await new Promise((resolve) => after.once('exit', resolve))).toBe(1);
  }, 60_000);
});

describe('#14 docs/ops', () => {
  it('compose.yaml parses; the proxy sends /sync and /peerjs to the ports the image exposes; coturn shares Relais’s TURN secret', () => {
    const compose = parse(readFileSync(join(root, 'docs', 'ops', 'compose.yaml'), 'utf8'), { prettyErrors: true }) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[]; command?: string[]; healthcheck?: { test: string[] } }>;
      configs: Record<string, { content: string }>;
    };
    const image = runtimeStage();
    expect(Object.keys(compose.services).sort()).toEqual(['coturn', 'proxy', 'relais']);
    const relais = compose.services.relais!;
    expect(relais.volumes).toContain(`relais-data:${image.env.RELAIS_DATA_DIR}`);
    expect(relais.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${image.env.PORT}/api/health`);
    expect(relais.environment!.TURN_SECRET).toMatch(/^\$\{TURN_SECRET\b/);
    expect(compose.services.coturn!.command).toEqual(expect.arrayContaining(['--use-auth-secret', '--static-auth-secret=${TURN_SECRET}']));
    const caddyfile = compose.configs.caddyfile!.content;
    expect(caddyfile).toMatch(new RegExp(`handle /sync\\* \\{\\s*reverse_proxy relais:${image.env.PORT}`));
    expect(caddyfile).toMatch(new RegExp(`handle /peerjs\\* \\{\\s*reverse_proxy relais:${image.env.PEER_PORT}`));
  });

  it('relais.service passes systemd-analyze verify, is hardened, and runs the image’s start command', (context) => {
    const unit = readFileSync(join(root, 'docs', 'ops', 'relais.service'), 'utf8');
    const directive = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]);
    for (const [name, value] of [
      ['User', 'relais'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ReadWritePaths', '/var/lib/relais'],
      ['EnvironmentFile', '/etc/relais/relais.env'],
    ]) {
      expect(directive(name!), name).toEqual([value]);
    }
    expect(directive('Environment')[0]).toContain('RELAIS_DATA_DIR=/var/lib/relais');
    const [node, ...args] = directive('ExecStart')[0]!.split(' ');
    expect(node).toMatch(/\/node$/);
    expect(args).toEqual(runtimeStage().cmd.slice(1));

    const analyze = spawnSync('systemd-analyze', ['--version']);
    // Skipped where systemd is not installed (it is on this project's Debian machines): the checks
    // above still ran; only systemd's own reading of the unit needs the program.
    if (analyze.error) context.skip('systemd-analyze is not installed');
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(join(root, 'docs', 'ops', 'relais.service'), join(dir, 'relais.service'));
    // verify also checks that ExecStart's program exists: on a machine without /usr/bin/node it
    // says so, and only that is tolerated.
    const verify = spawnSync('systemd-analyze', ['verify', join(dir, 'relais.service')], { encoding: 'utf8' });
    const tolerated = (line: string) => !existsSync('/usr/bin/node') && line.includes('/usr/bin/node is not executable');
    const problems = verify.stderr
      .split('\n')
      .filter(Boolean)
      .filter((line) => !tolerated(line));
    expect(problems).toEqual([]);
  });
});
