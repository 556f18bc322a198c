/**
 * Malformed HTTP requests and WebSocket upgrades, written byte for byte on raw TCP sockets: what a
 * browser or `fetch` refuses to send (bad percent-escapes, invalid UTF-8, broken request lines,
 * odd methods, huge or folded headers) is exactly what an attacker sends. Used by the edge fuzz
 * tests of the sync server and the peer server; seeded, so that a failure can be replayed.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** The first line the server answered, or null when it closed (or stayed silent) without one. */
  statusLine: string | null;
  /** The HTTP status in `statusLine`, or null. */
  status: number | null;
}

/**
 * Writes `bytes` to a fresh loopback connection and waits for the first line of the answer, the
 * connection's end, or `waitMs`; then drops the connection (a half-written request would otherwise
 * hold it until the server's idle timeout).
 */
export function rawExchange(port: number, bytes: Buffer, waitMs = 400): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const end = received.indexOf('\r\n');
      const statusLine = end >= 0 ? received.subarray(0, end).toString('latin1') : null;
      const status = statusLine ? Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN) : NaN;
      resolve({ statusLine, status: Number.isNaN(status) ? null : status });
    };
    const timer = setTimeout(settle, waitMs);
    socket.once('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.includes('\r\n')) settle();
    });
    socket.on('error', settle);
    socket.on('close', settle);
  });
}

/** A request as lines; `head` is joined with CRLF and ends with the blank line unless `unterminated`. */
export function rawRequest(head: (string | Buffer)[], body: Buffer = Buffer.alloc(0), unterminated = false): Buffer {
  const parts: Buffer[] = [];
  for (const line of head) parts.push(typeof line === 'string' ? Buffer.from(line, 'latin1') : line, Buffer.from('\r\n'));
  if (!unterminated) parts.push(Buffer.from('\r\n'));
  parts.push(body);
  return Buffer.concat(parts);
}

/** The headers of a WebSocket upgrade as a browser sends them. */
export const upgradeHeaders = (): string[] => [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

export interface FuzzTarget {
  /** Paths a well-formed request may go to (an API route, a document socket). */
  paths: string[];
  /** Paths that take a WebSocket upgrade. */
  upgradePaths: string[];
  /** Cookie names the server reads. */
  cookieNames: string[];
  /** Query parameter names the server reads. */
  queryNames: string[];
}

export interface FuzzRequest {
  kind: string;
  bytes: Buffer;
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** Percent-escapes and byte sequences that break a decoder: lone `%`, short escapes, overlong or surrogate UTF-8. */
const BAD_ESCAPES = ['%', '%%', '%4', '%zz', '%E0%A4%A', '%C3%28', '%ED%A0%80', '%C0%AF', '%FF%FE', '%00', '%0A', '%0D%0A', '%u0041', '%%32%35'];
/** Invalid UTF-8 as raw bytes (not escaped): a lone continuation, a truncated lead, surrogates, 0xFF. */
const BAD_UTF8 = [Buffer.from([0x80]), Buffer.from([0xc3, 0x28]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'G\u00c9T', 'FOO', 'GET GET', '', 'X'.repeat(300)];

function badEscapes(rand: () => number, n = 1 + Math.floor(rand() * 3)): string {
  return Array.from({ length: n }, () => pick(rand, BAD_ESCAPES)).join(rand() < 0.5 ? 'a' : '/');
}

function withBadUtf8(rand: () => number, text: string): Buffer {
  const at = Math.floor(rand() * (text.length + 1));
  return Buffer.concat([Buffer.from(text.slice(0, at), 'latin1'), pick(rand, BAD_UTF8), Buffer.from(text.slice(at), 'latin1')]);
}

function cookieHeader(rand: () => number, target: FuzzTarget): string | Buffer {
  const name = pick(rand, target.cookieNames);
  switch (Math.floor(rand() * 9)) {
    case 0:
      return `Cookie: ${name}=${badEscapes(rand)}`;
    case 1:
      return `Cookie: ${name}=${'a'.repeat(8000)}`;
    case 2:
      return `Cookie: ${Array.from({ length: 500 }, (_, i) => `c${i}=%${i}`).join('; ')}`;
    case 3:
      return `Cookie: =; ==; ;;; ${name}; ${name}==%; =${name}`;
    case 4:
      return `Cookie: ${name}="${badEscapes(rand)}`;
    case 5:
      return withBadUtf8(rand, `Cookie: ${name}=abc`);
    case 6:
      return `Cookie: ${name}=a; ${name}=%; ${name}=b`;
    case 7:
      return `Cookie: __proto__=%; constructor=x; ${name}=${badEscapes(rand)}`;
    default:
      return `Cookie: ${name}=\u0000\u0001\u007f`;
  }
}

function oddHeaders(rand: () => number): (string | Buffer)[] {
  switch (Math.floor(rand() * 12)) {
    case 0:
      return [`X-Big: ${'x'.repeat(64 * 1024)}`];
    case 1:
      return Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
    case 2:
      return ['X-No-Colon'];
    case 3:
      return ['X-Folded: first', ' continued on an obsolete folded line'];
    case 4:
      return ['X-Bad\u0000Name: v', 'X-Nul: a\u0000b'];
    case 5:
      return ['Content-Length: 5', 'Content-Length: 9'];
    case 6:
      return ['Content-Length: -1'];
    case 7:
      return ['Content-Length: 99999999999999999999999'];
    case 8:
      return ['Transfer-Encoding: chunked', 'Content-Length: 3'];
    case 9:
      return [withBadUtf8(rand, 'Origin: http://h'), withBadUtf8(rand, 'Host: h')];
    case 10:
      return ['Origin: %', 'Host: [', 'X-Forwarded-For: %, %%, \u00ff'];
    default:
      return [`${'N'.repeat(2000)}: v`];
  }
}

function oddUpgradeHeaders(rand: () => number): string[] {
  switch (Math.floor(rand() * 6)) {
    case 0:
      return ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13'];
    case 1:
      return ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: ', 'Sec-WebSocket-Version: 13'];
    case 2:
      return ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${'A'.repeat(5000)}`, 'Sec-WebSocket-Version: 99'];
    case 3:
      return [...upgradeHeaders(), 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99; ;;=', 'Sec-WebSocket-Protocol: ,,%,'];
    case 4:
      return ['Upgrade: h2c, websocket, %', 'Connection: Upgrade, HTTP2-Settings', 'Sec-WebSocket-Key: %%', 'Sec-WebSocket-Version: 13'];
    default:
      return upgradeHeaders();
  }
}

function oddPath(rand: () => number, target: FuzzTarget, base: string): string | Buffer {
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${base}${badEscapes(rand)}`;
    case 1:
      return `${base}?${pick(rand, target.queryNames)}=${badEscapes(rand)}`;
    case 2:
      return `${base}?${badEscapes(rand)}=${badEscapes(rand)}&&==&${pick(rand, target.queryNames)}`;
    case 3:
      return withBadUtf8(rand, `${base}?${pick(rand, target.queryNames)}=x`);
    case 4:
      return withBadUtf8(rand, base);
    case 5:
      return `${base}/${'a'.repeat(10_000)}?${'q'.repeat(10_000)}`;
    case 6:
      return pick(rand, ['*', '', 'http://h/', '//', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/', '\\..\\', '/\u0000', '?']);
    default:
      // A lone surrogate and an overlong NUL, escaped: valid escapes of invalid UTF-8.
      return `${base}?${pick(rand, target.queryNames)}=%ED%A0%80%C0%80`;
  }
}

/**
 * One malformed request for `target`, drawn from `rand`: each kind breaks one part of an
 * otherwise plausible request, so that the break, not an early refusal, is what the server meets.
 */
export function fuzzRequest(rand: () => number, target: FuzzTarget): FuzzRequest {
  const upgrade = rand() < 0.5;
  const base = upgrade ? pick(rand, target.upgradePaths) : pick(rand, target.paths);
  const host = 'Host: 127.0.0.1';
  const wsHeaders = upgrade ? upgradeHeaders() : [];
  const line = (method: string, path: string | Buffer): Buffer =>
    Buffer.concat([Buffer.from(`${method} `, 'latin1'), typeof path === 'string' ? Buffer.from(path, 'latin1') : path, Buffer.from(' HTTP/1.1', 'latin1')]);
  const prefix = upgrade ? 'upgrade ' : 'http ';
  switch (Math.floor(rand() * 8)) {
    case 0:
      return { kind: `${prefix}path`, bytes: rawRequest([line('GET', oddPath(rand, target, base)), host, ...wsHeaders]) };
    case 1:
      return { kind: `${prefix}cookie`, bytes: rawRequest([line('GET', base), host, ...wsHeaders, cookieHeader(rand, target)]) };
    case 2:
      return { kind: `${prefix}headers`, bytes: rawRequest([line('GET', base), host, ...wsHeaders, ...oddHeaders(rand)]) };
    case 3:
      return { kind: `${prefix}method`, bytes: rawRequest([line(pick(rand, METHODS), base), host, ...wsHeaders, 'Content-Length: 2'], Buffer.from('{}')) };
    case 4: {
      const lines = [`GET ${base} HTTP/9.9`, `GET ${base}`, `GET  ${base}  HTTP/1.1`, `GET ${base} HTTP/1.1 extra`, '\u0000\u0001\u0002', 'HTTP/1.1 200 OK', `PRI * HTTP/2.0\r\n\r\nSM`];
      return { kind: `${prefix}request line`, bytes: rawRequest([pick(rand, lines), host, ...wsHeaders]) };
    }
    case 5:
      return { kind: 'upgrade headers', bytes: rawRequest([line('GET', pick(rand, target.upgradePaths)), host, ...oddUpgradeHeaders(rand), cookieHeader(rand, target)]) };
    case 6: {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      return { kind: 'random bytes', bytes };
    }
    default: {
      // A plausible request cut or flipped at a random byte.
      const whole = rawRequest([line('POST', base), host, ...wsHeaders, cookieHeader(rand, target), 'Content-Type: application/json', 'Content-Length: 2'], Buffer.from('{}'));
      const at = Math.floor(rand() * whole.length);
      const mutated = rand() < 0.5 ? whole.subarray(0, at) : Buffer.concat([whole.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), whole.subarray(at + 1)]);
      return { kind: `${prefix}truncated or flipped`, bytes: mutated };
    }
  }
}
