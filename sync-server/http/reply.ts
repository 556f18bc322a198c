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
}

/**
 * Reads what uWS parsed. A path whose percent-escapes do not decode (`%`, `%zz`, invalid UTF-8)
 * is refused with 400: every route and file lookup works on the decoded path, and none can tell
 * what such a path meant.
 */
export function readRequest(req: UwsRequest): Request {
  const headers = new Map<string, string>();
  req.forEach((k, v) => headers.set(k, v));
  return {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    path: decodePath(req.getUrl()),
    // URLSearchParams decodes leniently: a malformed escape stays as sent, it never throws.
    query: new URLSearchParams(req.getQuery() ?? ''),
    headers,
  };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'malformed_path', 'Adresse mal formée.');
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
  /** The status answered (0 until then): counted by route in http/metrics.ts. */
  status = 0;
  private readonly extraHeaders: [string, string][] = [];

  constructor(
    private readonly res: UwsResponse,
    private readonly hsts: boolean,
    private readonly securityHeaders: [string, string][] = SECURITY_HEADERS,
  ) {
    res.onAborted(() => {
      this.aborted = true;
      this.finished('aborted');
      for (const listener of this.abortListeners.splice(0)) listener();
    });
  }

  private readonly abortListeners: (() => void)[] = [];
  private finishedListener: ((status: number | 'aborted') => void) | null = null;

  /** Called once: with the status sent, or 'aborted' when the client left before the answer. */
  onFinished(listener: (status: number | 'aborted') => void): void {
    this.finishedListener = listener;
  }

  private finished(status: number | 'aborted'): void {
    const listener = this.finishedListener;
    this.finishedListener = null;
    listener?.(status);
  }
  /** A streamed body paused for backpressure: resumed before answering, so the rest drains. */
  private bodyPaused = false;

  /** Called once if the client goes away before the response is complete. */
  onAbort(listener: () => void): void {
    if (this.aborted) listener();
    else this.abortListeners.push(listener);
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

  /**
   * The body as it arrives, for uploads that must not be held whole in memory. Replaces the eager
   * reader, so it must be called before the route's first await. The request is paused while the
   * consumer lags; an aborted request ends the iteration with an error.
   */
  streamBody(): AsyncIterable<Buffer> {
    const queue: Buffer[] = [];
    let ended = false;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    this.bodyPromise = null;
    this.abortListeners.push(notify);
    this.res.onData((chunk, isLast) => {
      // Answered already (a refusal while the body still flows): the rest is dropped, not kept.
      if (this.done) return;
      queue.push(Buffer.from(chunk.slice(0)));
      if (isLast) ended = true;
      if (!isLast && queue.length >= 8 && !this.bodyPaused && !this.aborted) {
        this.bodyPaused = true;
        this.res.pause();
      }
      notify();
    });
    const next = async (): Promise<IteratorResult<Buffer>> => {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          if (this.bodyPaused && queue.length < 2 && !this.aborted && !this.done) {
            this.bodyPaused = false;
            this.res.resume();
          }
          return { done: false, value: chunk };
        }
        if (ended) return { done: true, value: undefined };
        if (this.aborted) throw new HttpError(400, 'aborted', 'L’envoi a été interrompu.');
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    return { [Symbol.asyncIterator]: () => ({ next }) };
  }

  /** Answers once: the status line and every header of a body streamed after it. */
  private startBody(status: number, headers: [string, string][]): void {
    this.done = true;
    this.status = status;
    this.finished(status);
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
      for (const [k, v] of this.securityHeaders) this.res.writeHeader(k, v);
      if (this.hsts) this.res.writeHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      for (const [k, v] of this.extraHeaders) this.res.writeHeader(k, v);
      for (const [k, v] of headers) this.res.writeHeader(k, v);
    });
  }

  /**
   * Streams `source` (exactly `size` bytes) as the response body, honouring backpressure. A source
   * that fails mid-way closes the connection: the client sees a broken download, never a short one.
   */
  async sendStream(status: number, headers: [string, string][], source: AsyncIterable<Buffer>, size: number): Promise<void> {
    if (this.aborted || this.done) return;
    this.startBody(status, headers);
    if (size === 0) {
      this.res.cork(() => this.res.end());
      return;
    }
    try {
      for await (const chunk of source) {
        if (this.aborted) return;
        const start = this.res.getWriteOffset();
        let result: [boolean, boolean] = [false, false];
        this.res.cork(() => {
          result = this.res.tryEnd(chunk, size);
        });
        const [ok, finished] = result;
        if (finished) return;
        if (ok) continue;
        await new Promise<void>((resolve) => {
          this.abortListeners.push(resolve);
          this.res.onWritable((offset) => {
            const [ok2, finished2] = this.res.tryEnd(chunk.subarray(offset - start), size);
            if (ok2 || finished2) resolve();
            return ok2;
          });
        });
      }
    } catch {
      if (!this.aborted) this.res.close();
    }
  }

  /**
   * Streams a body of unknown length (chunked), honouring backpressure: a chunk uWS could not send
   * at once is buffered by uWS, and the next one waits for `onWritable`. Returns 'aborted' when the
   * client went away (the source is then closed, so its work stops). A source that fails mid-way
   * closes the connection, so the client sees a broken download, never a short one that looks
   * whole; the error is rethrown.
   */
  async sendChunked(status: number, headers: [string, string][], source: AsyncIterable<Uint8Array>): Promise<'sent' | 'aborted'> {
    if (this.aborted || this.done) return 'aborted';
    this.startBody(status, headers);
    const chunks = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = this.aborted ? null : await chunks.next();
        if (next === null || this.aborted) {
          await chunks.return?.();
          return 'aborted';
        }
        if (next.done) {
          this.res.cork(() => this.res.end());
          return 'sent';
        }
        let ok = true;
        this.res.cork(() => {
          ok = this.res.write(next.value);
        });
        // One chunk per turn of the loop: the sockets of everyone else are served between two.
        await yieldToLoop();
        if (ok) continue;
        await new Promise<void>((resolve) => {
          this.abortListeners.push(resolve);
          this.res.onWritable(() => {
            resolve();
            return true;
          });
        });
      }
    } catch (error) {
      if (this.aborted) return 'aborted';
      this.res.close();
      throw error;
    }
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
    this.status = status;
    this.finished(status);
    this.res.cork(() => {
      if (this.bodyPaused) {
        this.bodyPaused = false;
        this.res.resume();
      }
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
