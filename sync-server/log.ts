/**
 * Structured logs (pino): JSON lines when stdout is not a terminal (a service manager, a file, a
 * pipe), readable lines on a terminal (pino-pretty), and a JSON copy in `LOG_FILE` when set.
 *
 * Health data never reaches a line: every object logged is walked and the values under keys that
 * name secrets or people (cookie, authorization, token, code, password, name, phone, e-mail…) become
 * "[redacted]"; in every string, message included, e-mail addresses, phone numbers and bearer
 * credentials become "[redacted]". Names in free text cannot be recognised: callers log kinds and
 * route patterns, never what a request carried.
 */
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[redacted]';

/** Keys whose value is a secret or says who someone is, compared lower-cased without `-`/`_`, as a suffix. */
const SENSITIVE_KEY_SUFFIXES = [
  'cookie', 'authorization', 'token', 'secret', 'password', 'passwd', 'code', 'otp', 'ticket',
  'name', 'names', 'identifier', 'phone', 'mobile', 'email', 'mail', 'rpps', 'birthdate', 'address',
];

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SENSITIVE_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

const TEXT_PATTERNS: RegExp[] = [
  // E-mail addresses.
  /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[A-Za-z]{2,}/g,
  // International phone numbers (+33 6 12 34 56 78, 0033612345678).
  /(?:\+|\b00)[1-9](?:[\s.-]?\d){7,14}\b/g,
  // French national numbers (06 12 34 56 78, 0612345678).
  /\b0[1-9](?:[\s.-]?\d{2}){4}\b/g,
  // Credentials in headers quoted in a message.
  /\b(?:Bearer|Basic|Invitation)\s+[^\s,;"']+/gi,
];

/** `text` with e-mail addresses, phone numbers and bearer credentials replaced by "[redacted]". */
export function scrubText(text: string): string {
  let out = text;
  for (const pattern of TEXT_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** A copy of `value` fit for a log line (see the module comment). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (value instanceof Error) {
    return { type: value.name, message: scrubText(value.message), stack: value.stack === undefined ? undefined : scrubText(value.stack) };
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[binary]';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Map) return redact(Object.fromEntries(value), depth);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = isSensitiveKey(key) ? REDACTED : redact(item, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Also append JSON lines to this file (LOG_FILE). */
  file?: string | null;
  /** Where lines go besides the file: stdout (default), or nowhere (tests keep their output clean). */
  stdout?: boolean;
  /** Readable lines rather than JSON on stdout. Default: stdout is a terminal. */
  pretty?: boolean;
  /** Instead of stdout (tests read the lines). */
  destination?: DestinationStream;
}

/** One line a person reads: the access line as «GET /api/x 200 3 ms», else the message. */
function readableMessage(log: Record<string, unknown>, messageKey: string): string {
  if (typeof log.route === 'string' && typeof log.status === 'number') {
    return `${String(log.method)} ${log.route} ${log.status} ${String(log.ms)} ms`;
  }
  const message = log[messageKey];
  const err = log.err as { message?: unknown } | undefined;
  const detail = typeof err?.message === 'string' && err.message ? ` (${err.message})` : '';
  return `${typeof message === 'string' ? message : ''}${detail}`;
}

export function createLogger(options: LoggerOptions): Logger {
  const streams: StreamEntry[] = [];
  if (options.destination) {
    streams.push({ level: 'trace', stream: options.destination });
  } else if (options.stdout !== false) {
    const readable = options.pretty ?? process.stdout.isTTY === true;
    streams.push({
      level: 'trace',
      stream: readable
        ? pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', hideObject: true, messageFormat: readableMessage })
        : pino.destination({ dest: 1, sync: true }),
    });
  }
  if (options.file) streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, append: true, mkdir: true, sync: true }) });
  return pino(
    {
      level: streams.length === 0 ? 'silent' : options.level,
      base: { pid: process.pid },
      hooks: {
        // Every argument of every log call, objects and strings, before pino reads them (an
        // error's message would otherwise become the line's message unscrubbed).
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const head = first instanceof Error ? { err: redact(first) } : redact(first);
          method.apply(this, [head, ...rest.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg))] as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
}

let shared: Logger | null = null;
/**
 * The process's logger, for code that runs without a server's (opening the store, the audit
 * writer called by the admin commands): the one `npm start` or main.ts set, else stdout at info.
 */
export function sharedLogger(): Logger {
  return (shared ??= createLogger({ level: 'info' }));
}
export function setSharedLogger(logger: Logger): void {
  shared = logger;
}

let counter = 0;
const prefix = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
/** A short id, unique within this process and unlikely across restarts: a request's or a socket's. */
export function nextId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${counter.toString(36)}`;
}
