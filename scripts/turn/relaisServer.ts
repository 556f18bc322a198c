/**
 * A Relais server of its own (`scripts/start.ts`, as `npm start` and playwright.config.ts run it)
 * on free ports and a temp data dir seeded with the demo data, for a test or a bench that needs
 * settings the shared test server does not have (TURN, relay only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../sync-server/nodeFlags.ts';
import { freeTcpPort } from './coturn.ts';

const root = resolve(import.meta.dirname, '..', '..');

export interface RelaisServer {
  baseUrl: string;
  port: number;
  peerPort: number;
  stop(): Promise<void>;
}

export async function startRelaisServer(env: Record<string, string>): Promise<RelaisServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relais-turn-'));
  const port = await freeTcpPort();
  const peerPort = await freeTcpPort();
  const pscPort = await freeTcpPort();
  // Its own process group: stopping it stops everything it started.
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      PEER_PORT: String(peerPort),
      PSC_DEV_PORT: String(pscPort),
      HOST: '127.0.0.1',
      RELAIS_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (!exited && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!output.includes('Relais est prêt')) {
    if (exited || Date.now() - started > 180_000) {
      await stop();
      throw new Error(`the Relais server did not start:\n${output.split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl: `http://127.0.0.1:${port}`, port, peerPort, stop };
}
