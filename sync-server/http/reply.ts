/**
 * A thin layer over uWS's request/response: headers read once (uWS's request object dies after
 * the handler's synchronous part), abort tracking, bounded body reading, corked writes, and the
 * security headers every response carries.
 */
import type { HttpRequest as UwsRequest, HttpResponse as UwsResponse } from 'uWebSockets.js';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * `extraConnectSrc`: origins the page may open sockets to besides its own, i.e. the PeerJS
 * signalling server when it listens on its own port (peerTickets.ts `peerConnectSources`).
 */
export function securityHeaders(extraConnectSrc: string[] = []): [string, string][] {
  const connectSrc = ["'self'", ...extraConnectSrc].join(' ');
  return [
    [
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        `media-src 'self' blob:; font-src 'self' data:; connect-src ${connectSrc}; worker-src 'self'; manifest-src 'self'; ` +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ],
    ...SECURITY_HEADERS.slice(1),
  ];
}

export const SECURITY_HEADERS: [string, string][] = [
  [
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
      "media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  ],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(self), microphone=(self), display-capture=(self), geolocation=()'],
];

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Map<string, string>;
  /** Captured groups of the route's pattern. */
  params: string[];
}

export function readRequest(req: UwsRequest): Request {
  const headers = new Map<string, string>();
  req.forEach((k, v) => headers.set(k, v));
  return {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    path: decodePath(req.getUrl()),
    query: new URLSearchParams(req.getQuery() ?? ''),
    headers,
    params: [],
  };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Reply {
  aborted = false;
  done = false;
  private readonly extraHeaders: [string, string][] = [];

  constructor(
    private readonly res: UwsResponse,
    private readonly hsts: boolean,
    private readonly securityHeaders: [string, string][] = SECURITY_HEADERS,
  ) {
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  header(name: string, value: string): this {
    this.extraHeaders.push([name, value]);
    return this;
  }

  private bodyPromise: Promise<Buffer> | null = null;
  private bodyLimit = 0;

  /**
   * Starts reading the body now: uWS delivers data only to a handler attached before the route's
   * first await. Refuses more than `limit` bytes with 413.
   */
  readBodyEagerly(limit: number): void {
    this.bodyLimit = limit;
    this.bodyPromise = new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      this.res.onData((chunk, isLast) => {
        if (failed) return;
        size += chunk.byteLength;
        if (size > limit) {
          failed = true;
          reject(new HttpError(413, 'payload_too_large', 'La requête est trop volumineuse.'));
          return;
        }
        chunks.push(Buffer.from(chunk.slice(0)));
        if (isLast) resolve(Buffer.concat(chunks));
      });
    });
    // A route that never reads its body must not turn a 413 into an unhandled rejection.
    this.bodyPromise.catch(() => undefined);
  }

  async body(limit: number): Promise<Buffer> {
    if (!this.bodyPromise) throw new HttpError(400, 'no_body', 'Cette requête n’a pas de contenu.');
    const body = await this.bodyPromise;
    if (body.byteLength > Math.min(limit, this.bodyLimit)) {
      throw new HttpError(413, 'payload_too_large', 'La requête est trop volumineuse.');
    }
    return body;
  }

  async json(limit = 64 * 1024): Promise<unknown> {
    const raw = await this.body(limit);
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'invalid_json', 'La requête est mal formée.');
    }
  }

  send(status: number, body: string | Uint8Array | null, headers: [string, string][] = []): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
      for (const [k, v] of this.securityHeaders) this.res.writeHeader(k, v);
      if (this.hsts) this.res.writeHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      for (const [k, v] of this.extraHeaders) this.res.writeHeader(k, v);
      for (const [k, v] of headers) this.res.writeHeader(k, v);
      if (body === null) this.res.endWithoutBody();
      else this.res.end(body);
    });
  }

  sendJson(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value), [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
    ]);
  }

  error(status: number, code: string, message: string): void {
    this.sendJson(status, { error: code, message });
  }
}
