/**
 * The built client, served from memory with precomputed gzip and brotli bodies (brotli made in the
 * background after start: at its best quality the tldraw chunk alone takes seconds, which start-up
 * should not wait for; gzip is served until it is ready). Hashed assets are
 * immutable; index.html and the service worker are revalidated every time; unknown paths that look
 * like pages get index.html (the client's router takes over).
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { brotliCompress, gzipSync, constants as zlib } from 'node:zlib';
import type { Reply, Request } from './reply.ts';
import { JOIN_PATH } from '../../schema/consultation.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.webmanifest', '.txt']);

interface StaticFile {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  brotli: Buffer | null;
  etag: string;
  cacheControl: string;
}

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  constructor(dir: string) {
    if (existsSync(dir)) this.load(dir, dir);
    void this.compressInBackground();
  }

  /** One file at a time, on libuv's thread pool: the event loop and the other core stay free. */
  private async compressInBackground(): Promise<void> {
    for (const file of this.files.values()) {
      if (!file.gzip) continue;
      file.brotli = await new Promise<Buffer | null>((resolve) =>
        brotliCompress(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }, (error, out) => resolve(error ? null : out)),
      );
    }
  }

  get loaded(): boolean {
    return this.files.has('/index.html');
  }

  private load(root: string, dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // removed while we read it (a build in progress): serve what was there
    }
    for (const name of names) {
      const full = join(dir, name);
      let body: Buffer;
      try {
        if (statSync(full).isDirectory()) {
          this.load(root, full);
          continue;
        }
        body = readFileSync(full);
      } catch {
        continue;
      }
      const urlPath = '/' + relative(root, full).split(sep).join('/');
      const ext = extname(name);
      const compress = COMPRESSIBLE.has(ext) && body.byteLength > 512;
      this.files.set(urlPath, {
        type: TYPES[ext] ?? 'application/octet-stream',
        body,
        gzip: compress ? gzipSync(body, { level: 9 }) : null,
        brotli: null,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        cacheControl: urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  }

  /** Serves the request when it is a file or a page; returns false to let the router answer 404. */
  serve(req: Request, reply: Reply): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let file = this.files.get(req.path);
    // A join link's token has dots (schema/consultation.ts InvitationToken): a page all the same.
    const page = extname(req.path) === '' || req.path.startsWith(JOIN_PATH);
    if (!file && page && !req.path.startsWith('/api/') && !req.path.startsWith('/sync/')) {
      file = this.files.get('/index.html');
    }
    if (!file) return false;
    const headers: [string, string][] = [
      ['Content-Type', file.type],
      ['Cache-Control', file.cacheControl],
      ['ETag', file.etag],
      ['Vary', 'Accept-Encoding'],
    ];
    if (req.headers.get('if-none-match') === file.etag) {
      reply.send(304, null, headers);
      return true;
    }
    const accept = req.headers.get('accept-encoding') ?? '';
    let body = file.body;
    if (file.brotli && /\bbr\b/.test(accept)) {
      body = file.brotli;
      headers.push(['Content-Encoding', 'br']);
    } else if (file.gzip && /\bgzip\b/.test(accept)) {
      body = file.gzip;
      headers.push(['Content-Encoding', 'gzip']);
    }
    reply.send(200, req.method === 'HEAD' ? null : body, headers);
    return true;
  }
}
