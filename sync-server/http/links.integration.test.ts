/**
 * #11 finding 9: links sent by email or SMS are built from the configuration, never from the
 * request's Host header (which whoever sends the request chooses); in production a server without
 * PUBLIC_URL refuses to start.
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { login, startRelais, tempDataDir, type Running } from '../testing/harness.ts';
import { outboxDir } from '../messaging/index.ts';
import { SERVER_NODE_FLAGS } from '../nodeFlags.ts';
import { freePort } from '../testing/serverProcess.ts';
import type { Config } from '../config.ts';

let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

/** «Inviter un participant» by SMS, sent with a forged Host header. */
function inviteWithForgedHost(r: Running, token: string): Promise<number> {
  const body = JSON.stringify({ name: 'Paul Martin', mobile: '06 99 88 77 66' });
  return new Promise((resolve, reject) => {
    const req = request(
      `${r.http}/api/consultations/${r.demo.consultations[0]!.id}/invitations`,
      { method: 'POST', headers: { Host: 'evil.example', Cookie: `relais_session=${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function smsLinks(r: Running): Promise<string[]> {
  const dir = outboxDir(r.dataDir);
  const texts = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.json')).map(async (f) => (JSON.parse(await readFile(join(dir, f), 'utf8')) as { text: string }).text));
  return texts.flatMap((t) => t.match(/https?:\/\/\S+\/rejoindre\/\S+/g) ?? []);
}

async function linkSentWith(config: Partial<Config>): Promise<string> {
  running = await startRelais({ config });
  const doctor = await login(running.http, 'dr.demo');
  expect(await inviteWithForgedHost(running, doctor)).toBe(201);
  const links = await smsLinks(running);
  expect(links).toHaveLength(1);
  return links[0]!;
}

describe('#11 links use the configured origin, never the Host header', () => {
  it('with PUBLIC_URL: the invitation link is on PUBLIC_URL', async () => {
    const link = await linkSentWith({ publicUrl: 'https://relais.example.fr' });
    expect(link.startsWith('https://relais.example.fr/rejoindre/')).toBe(true);
  });

  it('without PUBLIC_URL (development): the invitation link is on the server’s own origin', async () => {
    const link = await linkSentWith({ publicUrl: null });
    expect(link).not.toContain('evil.example');
    expect(link.startsWith(`${running!.http}/rejoindre/`)).toBe(true);
  });

  it('in production, the server refuses to start without PUBLIC_URL, naming it (exit code 2)', async () => {
    const dataDir = tempDataDir();
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'sync-server/main.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, NODE_ENV: 'production', PUBLIC_URL: '', PORT: String(await freePort()), HOST: '127.0.0.1', RELAIS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(2);
    expect(stderr).toContain('PUBLIC_URL');
  }, 30_000);
});
