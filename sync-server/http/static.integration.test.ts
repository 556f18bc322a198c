/** The built client as a browser gets it: compression, cache headers, SPA fallback (issue «Foundation» §3). */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startRelais, type Running } from '../testing/harness.ts';

let relais: Running | null = null;
const clientDir = join(tmpdir(), `relais-client-${process.pid}`);
afterEach(async () => {
  await relais?.stop();
  relais = null;
  rmSync(clientDir, { recursive: true, force: true });
});

/** A raw GET (fetch would decode the body and hide Content-Encoding). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the built client', () => {
  it('hashed assets are compressed and immutable, pages are revalidated, unknown pages get the app', async () => {
    mkdirSync(join(clientDir, 'assets'), { recursive: true });
    writeFileSync(join(clientDir, 'index.html'), `<!doctype html><title>Relais</title>${'<!-- page -->'.repeat(100)}`);
    const script = `console.log(${JSON.stringify('Relais '.repeat(500))});`;
    writeFileSync(join(clientDir, 'assets', 'index-abc123.js'), script);
    relais = await startRelais({ config: { clientDir } });

    const gz = await get(`${relais.http}/assets/index-abc123.js`, { 'accept-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.body.byteLength).toBeLessThan(script.length / 5);

    // Brotli is made in the background after start, then preferred.
    let br = await get(`${relais.http}/assets/index-abc123.js`, { 'accept-encoding': 'gzip, br' });
    const started = Date.now();
    while (br.headers['content-encoding'] !== 'br' && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      br = await get(`${relais.http}/assets/index-abc123.js`, { 'accept-encoding': 'gzip, br' });
    }
    expect(br.headers['content-encoding']).toBe('br');

    const page = await get(`${relais.http}/consultations/abc`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body.toString()).toContain('<title>Relais</title>');

    const again = await get(`${relais.http}/assets/index-abc123.js`, { 'if-none-match': String(gz.headers.etag) });
    expect(again.status).toBe(304);

    const api = await get(`${relais.http}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: 'not_found' });
    expect((await get(`${relais.http}/assets/missing.js`)).status).toBe(404);
  });
});
