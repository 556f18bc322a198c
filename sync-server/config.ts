/**
 * Configuration from the environment, every setting optional (ARCHITECTURE "Configuration").
 *
 * SETTINGS below is the one list of the environment variables the server reads: name, what it is,
 * its default, and the parser that refuses a bad value. `readConfig` reads them all at once and
 * throws a ConfigError naming every bad variable and what it expects; the start prints it and exits
 * with code 2. Other modules take what they need from the Config, never from process.env (except
 * RELAIS_MASTER_KEY, read where the store is opened: the admin commands open it without a Config;
 * it is validated here all the same). The README's settings table lists the same names (a test
 * checks it). To add a setting: one entry in SETTINGS, one field in Config, one line in readConfig.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './log.ts';
import { readIceConfig, type IceConfig } from './auth/turnCredentials.ts';

export interface Config {
  /** HTTP + WebSocket port. Default 8080. */
  port: number;
  /** PeerJS signalling port. Default 9000. */
  peerPort: number;
  /** Interface to listen on. Default 127.0.0.1: nothing is exposed by accident in development. */
  host: string;
  /** LMDB, keys and outbox live here. Default ./data. */
  dataDir: string;
  /** Built client to serve. Default ./dist/client. */
  clientDir: string;
  /**
   * Public origin (https://relais.example.fr): where links sent by email and SMS point, and the
   * CSRF Origin check. Required in production (see requirePublicUrl); unset in development, links
   * point at this server's own HOST:PORT.
   */
  publicUrl: string | null;
  /** Secure cookies: on unless the public origin is plain http (localhost development). */
  secureCookies: boolean;
  /** Fold a document's update log into a snapshot past this many updates. Default 500. */
  compactAfter: number;
  /** How often open sync sockets are checked against their session's end (idle or absolute). Default 60 s. */
  sessionSweepMs: number;
  /** smtp(s)://user:pass@host:port for outgoing email; null: written to the local outbox. */
  smtpUrl: string | null;
  /** Sender of outgoing email. Default "Relais <no-reply@localhost>". */
  mailFrom: string;
  /** HTTP SMS gateway (docs/SMS_GATEWAY.md); null: SMS written to the local outbox. */
  smsGatewayUrl: string | null;
  /** Bearer token sent to the SMS gateway, when it asks for one. */
  smsGatewayToken: string | null;
  /** NODE_ENV=production: development pages such as /dev/outbox are off. */
  production: boolean;
  /** Pro Santé Connect issuer (https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet); null: the button says it is not set up. */
  pscIssuer: string | null;
  pscClientId: string | null;
  pscClientSecret: string | null;
  /** PEM certificate and key files: both set, the server speaks HTTPS/WSS (uWS SSLApp) and sends HSTS. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** TRUST_PROXY=1: behind a reverse proxy, the caller's address is the last X-Forwarded-For hop (login rate limit, audit). */
  trustProxy: boolean;
  /**
   * METRICS_TOKEN: a bearer token that opens GET /metrics to a scraper on another machine (or
   * behind the reverse proxy); without it only this machine reaches the metrics. 16 characters at least.
   */
  metricsToken: string | null;
  /** Caps on costly messages (SMS, e-mail) a request may trigger: messaging/caps.ts. */
  messageCaps: MessageCaps;
  /** PDF rendering and stamping off the main thread (documents/pdfPool.ts). */
  pdf: PdfSettings;
  /** Lowest level logged (LOG_LEVEL). Default info. */
  logLevel: LogLevel;
  /** A file that also receives every log line as JSON (LOG_FILE); null: stdout only. */
  logFile: string | null;
  /** STUN/TURN servers and policy given to call participants (ICE_SERVERS, TURN_*, ICE_TRANSPORT_POLICY). */
  ice: IceConfig;
  /** Where browsers reach the peer server when it is behind a proxy (PEER_PUBLIC_URL); null: the page's host on peerPort. */
  peerPublicUrl: string | null;
  /** Largest upload accepted, in MB (RELAIS_MAX_UPLOAD_MB). Default 25. */
  maxUploadMb: number;
  /** Days a vault link stays valid (RELAIS_VAULT_DAYS). Default 7. */
  vaultDays: number;
  /** tldraw licence key for photo annotation on a production origin (TLDRAW_LICENSE_KEY). */
  tldrawLicenseKey: string | null;
  /** Port of the local Pro Santé Connect stand-in `npm start` runs without PSC_ISSUER (PSC_DEV_PORT); null: PORT + 2000. */
  pscDevPort: number | null;
  /** RELAIS_SKIP_BUILD=1: `npm start` does not build the client (tests, `npm run dev`). */
  skipClientBuild: boolean;
  /** RELAIS_ALLOW_UWS_FALLBACK=1: start on uWS's JavaScript fallback when its native binary is missing (slow; tests only). */
  allowUwsFallback: boolean;
  /** RELAIS_DATABASE_URL (postgres://…): cluster mode, everything durable in PostgreSQL; null: LMDB in the data dir. */
  databaseUrl: string | null;
  /** RELAIS_REDIS_URL (redis:// or rediss://): what crosses nodes (fan-out, rate limits, tickets); null: one node. */
  redisUrl: string | null;
  /** NODE_ID: this node's name among the cluster's (logs, metrics, fan-out). Default `<host name>-<pid>`, unique per process. */
  nodeId: string;
}

export interface PdfSettings {
  /** RELAIS_PDF_WORKERS: worker threads. Default 1: on a 2-core server the other core serves the sockets. */
  workers: number;
  /** RELAIS_PDF_QUEUE: PDF jobs that may wait for a worker; past that a request is refused with 503. Default 8. */
  queue: number;
  /** RELAIS_PDF_WORKER_MB: each worker's heap cap in MiB. Default 512 (a 25 MB PDF takes ~150–250 MiB in pdf-lib). */
  workerMemoryMb: number;
}

/** At most `max` messages in any `windowMs` (a sliding window). */
export interface SendCap {
  max: number;
  windowMs: number;
}

export interface MessageCaps {
  /** To one phone number or address. Default 10 a day: a family is not harassed, a code still reaches a user who logs in often. */
  recipient: SendCap;
  /** Triggered by one account (login codes for itself, invitations it sends). Default 60 an hour: a busy doctor's afternoon. */
  account: SendCap;
  /** From one establishment, all accounts together. Default 500 a day: a bound on the SMS bill. */
  establishment: SendCap;
}

/** A setting's parser: the raw value (undefined when unset or empty) to its value, or Invalid. */
type Parse<T> = (raw: string | undefined) => T;

interface Setting<T> {
  /** What it does, for the README table. */
  doc: string;
  /** The default as the README shows it. */
  default: string;
  /** Never echoed in an error message (a password, a key). */
  secret?: boolean;
  parse: Parse<T>;
}

/** A value a parser refuses: `expected` says what it takes. */
class Invalid extends Error {
  constructor(readonly expected: string) {
    super(expected);
  }
}

const text = (fallback: string | null = null): Parse<string | null> => (raw) => raw ?? fallback;
const defaultText = (fallback: string): Parse<string> => (raw) => raw ?? fallback;
const flag: Parse<boolean> = (raw) => {
  if (raw === undefined || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Invalid('1 or 0');
};
const integer = (fallback: number | null, min: number, max: number, what = `an integer from ${min} to ${max}`): Parse<number> => (raw) => {
  if (raw === undefined) {
    if (fallback === null) throw new Invalid(what);
    return fallback;
  }
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new Invalid(what);
  return n;
};
const portNumber = (fallback: number): Parse<number> => integer(fallback, 0, 65535, 'a port number from 0 to 65535');
const positive = (fallback: number): Parse<number> => (raw) => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new Invalid('a positive number');
  return n;
};
const url = (protocols: string[]): Parse<string | null> => (raw) => {
  if (raw === undefined) return null;
  const protocol = URL.canParse(raw) ? new URL(raw).protocol : null;
  if (!protocol || !protocols.includes(protocol)) throw new Invalid(`a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return raw;
};
const oneOf = <T extends string>(values: readonly T[], fallback: T): Parse<T> => (raw) => {
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new Invalid(`one of ${values.join(', ')}`);
  return raw as T;
};
/** «<count>/<window>», the window in minutes or hours: `10/24h`, `5/15m`. */
const cap = (fallback: string): Parse<SendCap> => (raw) => {
  const match = /^([0-9]+)\/([0-9]+)([mh])$/.exec((raw ?? fallback).trim());
  if (!match || Number(match[2]) === 0) throw new Invalid('<count>/<minutes>m or <count>/<hours>h, e.g. 10/24h');
  return { max: Number(match[1]), windowMs: Number(match[2]) * (match[3] === 'h' ? 3_600_000 : 60_000) };
};
const metricsToken: Parse<string | null> = (raw) => {
  if (raw === undefined) return null;
  if (raw.length < 16 || /\s/.test(raw)) throw new Invalid('16 characters at least, no space (openssl rand -hex 32)');
  return raw;
};
const nodeId: Parse<string | null> = (raw) => {
  if (raw === undefined) return null;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(raw)) throw new Invalid('1 to 63 letters, digits, ., _ or -, e.g. node-1');
  return raw;
};
const masterKey: Parse<string | null> = (raw) => {
  if (raw === undefined) return null;
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw) ? 32 : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64').length : 0;
  if (bytes !== 32) throw new Invalid('32 bytes: 64 hex or 44 base64 characters');
  return raw;
};

/**
 * Every environment variable the server reads (the README's settings table). ICE_SERVERS, TURN_URLS,
 * TURN_SECRET and ICE_TRANSPORT_POLICY are read together by readIceConfig, which checks them as a whole.
 */
export const SETTINGS = {
  PORT: { doc: 'HTTP API, built client and Yjs sync (`/sync/<docName>`)', default: '8080', parse: portNumber(8080) },
  PEER_PORT: { doc: 'PeerJS signalling (`/peerjs`)', default: '9000', parse: portNumber(9000) },
  HOST: { doc: 'interface to listen on', default: '127.0.0.1', parse: defaultText('127.0.0.1') },
  RELAIS_DATA_DIR: { doc: 'LMDB database (encrypted), keys, documents, local outbox; mode 0700, files 0600', default: './data', parse: defaultText('./data') },
  RELAIS_CLIENT_DIR: { doc: 'the built client the server serves', default: './dist/client', parse: defaultText('./dist/client') },
  PUBLIC_URL: { doc: 'public origin (see below)', default: '— (required in production)', parse: text() },
  NODE_ENV: { doc: '`production` turns off the development pages (`/dev/outbox`) and the local PSC provider', default: '—', parse: text() },
  LOG_LEVEL: { doc: 'lowest level logged: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`', default: 'info', parse: oneOf(LOG_LEVELS, 'info') },
  LOG_FILE: { doc: 'also append every log line, as JSON, to this file (created with its folder)', default: '—', parse: text() },
  RELAIS_COMPACT_AFTER: { doc: 'updates after which a document’s log is folded into a snapshot', default: '500', parse: integer(500, 1, 1_000_000) },
  SMTP_URL: { doc: '`smtp(s)://user:pass@host:port` for email; unset: written to `<data dir>/outbox`, shown at `/dev/outbox`', default: '—', secret: true, parse: url(['smtp:', 'smtps:']) },
  MAIL_FROM: { doc: 'sender of outgoing email', default: 'Relais <no-reply@localhost>', parse: defaultText('Relais <no-reply@localhost>') },
  SMS_GATEWAY_URL: { doc: 'HTTP SMS gateway (contract in `docs/SMS_GATEWAY.md`); unset: SMS go to the outbox', default: '—', parse: url(['http:', 'https:']) },
  SMS_GATEWAY_TOKEN: { doc: 'bearer token sent to the SMS gateway', default: '—', secret: true, parse: text() },
  PSC_ISSUER: { doc: 'Pro Santé Connect issuer; unset, `npm start` runs a local OpenID provider that knows every account with an RPPS', default: '—', parse: url(['http:', 'https:']) },
  PSC_CLIENT_ID: { doc: 'Pro Santé Connect client id', default: '—', parse: text() },
  PSC_CLIENT_SECRET: { doc: 'Pro Santé Connect client secret', default: '—', secret: true, parse: text() },
  PSC_DEV_PORT: { doc: 'port of the local Pro Santé Connect provider (development)', default: '`PORT` + 2000', parse: (raw: string | undefined) => (raw === undefined ? null : portNumber(0)(raw)) },
  TLS_CERT: { doc: 'PEM certificate file: with `TLS_KEY`, HTTPS/WSS directly, with HSTS and Secure cookies', default: '—', parse: text() },
  TLS_KEY: { doc: 'PEM key file of `TLS_CERT`', default: '—', parse: text() },
  TRUST_PROXY: { doc: '`1` behind a reverse proxy: the caller’s address is the last `X-Forwarded-For` hop (login rate limit, audit)', default: '0', parse: flag },
  PEER_PUBLIC_URL: { doc: 'where browsers reach the peer server when it is behind a proxy (`https://relais.example.fr/peerjs`); unset: the page’s host on `PEER_PORT` (allowed in the CSP)', default: '—', parse: url(['http:', 'https:']) },
  ICE_SERVERS: { doc: 'JSON array of RTCIceServer (`[{"urls":"stun:stun.example.org:3478"}]`) given to call participants', default: '—', parse: text() },
  TURN_URLS: { doc: 'comma-separated `turn:`/`turns:` URLs: with `TURN_SECRET`, each participant gets short-lived TURN credentials (coturn REST scheme, `use-auth-secret`)', default: '—', parse: text() },
  TURN_SECRET: { doc: 'coturn’s `static-auth-secret`', default: '—', secret: true, parse: text() },
  ICE_TRANSPORT_POLICY: { doc: '`relay`: browsers use only TURN relay candidates, so every call goes through the TURN server; needs a TURN server (`TURN_URLS` + `TURN_SECRET`, or a `turn:` entry in `ICE_SERVERS`). coturn settings: `docs/CALLS.md`', default: 'all', parse: oneOf(['all', 'relay'] as const, 'all') },
  RELAIS_MASTER_KEY: { doc: 'master key of encryption at rest (documents and LMDB, keys derived with HKDF); 64 hex or 44 base64 characters', default: 'generated in `<data dir>/keys/blob.key`', secret: true, parse: masterKey },
  RELAIS_MAX_UPLOAD_MB: { doc: 'largest document accepted, in MB', default: '25', parse: positive(25) },
  RELAIS_VAULT_DAYS: { doc: 'how long a «Coffre-fort sécurisé» link works, in days', default: '7', parse: positive(7) },
  RELAIS_SENDS_PER_RECIPIENT: { doc: 'most SMS and e-mails to one number or address in a sliding window (see below)', default: '10/24h', parse: cap('10/24h') },
  RELAIS_SENDS_PER_ACCOUNT: { doc: 'most such messages one account triggers in a sliding window', default: '60/1h', parse: cap('60/1h') },
  RELAIS_SENDS_PER_ESTABLISHMENT: { doc: 'most such messages from one establishment’s accounts together in a sliding window', default: '500/24h', parse: cap('500/24h') },
  TLDRAW_LICENSE_KEY: { doc: 'tldraw licence for photo annotation on a production https origin (without it the editor is not shown there, and the page says why)', default: '—', secret: true, parse: text() },
  METRICS_TOKEN: { doc: 'bearer token that opens `GET /metrics` to a scraper on another machine or behind the reverse proxy; unset: only this machine reads the metrics (`docs/ops/METRICS.md`). 16 characters at least, no space', default: '—', secret: true, parse: metricsToken },
  RELAIS_PDF_WORKERS: { doc: 'worker threads that render and stamp PDFs off the event loop', default: '1', parse: integer(1, 1, 64) },
  RELAIS_PDF_QUEUE: { doc: 'PDF jobs that may wait for a worker; past that a request gets a 503 «réessayez dans un instant»', default: '8', parse: integer(8, 0, 10_000) },
  RELAIS_PDF_WORKER_MB: { doc: 'heap cap of each PDF worker, in MiB (a 25 MB PDF takes about 150–250 MiB); a job past it fails alone with a 422', default: '512', parse: integer(512, 64, 65_536) },
  RELAIS_SKIP_BUILD: { doc: '`1`: `npm start` does not build the client (`npm run dev`, tests)', default: '0', parse: flag },
  RELAIS_DATABASE_URL: { doc: '`postgres://user:pass@host:5432/db` (TLS: `?sslmode=verify-full&sslrootcert=…`): cluster mode, everything durable in PostgreSQL instead of LMDB (README «Cluster»)', default: '— (LMDB in the data dir)', secret: true, parse: url(['postgres:', 'postgresql:']) },
  RELAIS_REDIS_URL: { doc: '`redis://:pass@host:6379` or `rediss://…` (TLS): what crosses the nodes of a cluster (document updates, presence, rights changes, rate limits, peer tickets)', default: '— (one node)', secret: true, parse: url(['redis:', 'rediss:']) },
  NODE_ID: { doc: 'this node’s name in a cluster (logs, metrics, fan-out), e.g. `node-1`; unique per node', default: '`<host name>-<pid>`', parse: nodeId },
  RELAIS_ALLOW_UWS_FALLBACK: { doc: '`1`: start on uWebSockets.js’s slow JavaScript fallback when its native binary is missing (tests only)', default: '0', parse: flag },
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;
type Settings = { [K in SettingName]: ReturnType<(typeof SETTINGS)[K]['parse']> };

/** Every setting parsed; a ConfigError listing each bad one. An empty value counts as unset. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const out: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    const raw = env[name] === '' ? undefined : env[name];
    try {
      out[name] = setting.parse(raw);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(`${name}${setting.secret ? '' : `=${JSON.stringify(raw ?? '')}`}: expected ${error.expected}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid setting${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`);
  return out as Settings;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const s = readSettings(env);
  let ice: IceConfig;
  try {
    ice = readIceConfig(env);
  } catch (error) {
    throw new ConfigError(`Invalid setting: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    port: s.PORT,
    peerPort: s.PEER_PORT,
    host: s.HOST,
    dataDir: resolve(s.RELAIS_DATA_DIR),
    clientDir: resolve(s.RELAIS_CLIENT_DIR),
    publicUrl: s.PUBLIC_URL,
    // Under TLS the browser reaches us over https whatever PUBLIC_URL says.
    secureCookies: Boolean(s.TLS_CERT && s.TLS_KEY) || (s.PUBLIC_URL?.startsWith('https:') ?? false),
    compactAfter: s.RELAIS_COMPACT_AFTER,
    sessionSweepMs: 60_000,
    smtpUrl: s.SMTP_URL,
    mailFrom: s.MAIL_FROM,
    smsGatewayUrl: s.SMS_GATEWAY_URL,
    smsGatewayToken: s.SMS_GATEWAY_TOKEN,
    production: s.NODE_ENV === 'production',
    pscIssuer: s.PSC_ISSUER,
    pscClientId: s.PSC_CLIENT_ID,
    pscClientSecret: s.PSC_CLIENT_SECRET,
    tlsCert: s.TLS_CERT,
    tlsKey: s.TLS_KEY,
    trustProxy: s.TRUST_PROXY,
    metricsToken: s.METRICS_TOKEN,
    messageCaps: {
      recipient: s.RELAIS_SENDS_PER_RECIPIENT,
      account: s.RELAIS_SENDS_PER_ACCOUNT,
      establishment: s.RELAIS_SENDS_PER_ESTABLISHMENT,
    },
    logLevel: s.LOG_LEVEL,
    logFile: s.LOG_FILE === null ? null : resolve(s.LOG_FILE),
    ice,
    peerPublicUrl: s.PEER_PUBLIC_URL,
    maxUploadMb: s.RELAIS_MAX_UPLOAD_MB,
    vaultDays: s.RELAIS_VAULT_DAYS,
    tldrawLicenseKey: s.TLDRAW_LICENSE_KEY,
    pscDevPort: s.PSC_DEV_PORT,
    skipClientBuild: s.RELAIS_SKIP_BUILD,
    allowUwsFallback: s.RELAIS_ALLOW_UWS_FALLBACK,
    databaseUrl: s.RELAIS_DATABASE_URL,
    redisUrl: s.RELAIS_REDIS_URL,
    nodeId: s.NODE_ID ?? `${hostname()}-${process.pid}`,
    pdf: { workers: s.RELAIS_PDF_WORKERS, queue: s.RELAIS_PDF_QUEUE, workerMemoryMb: s.RELAIS_PDF_WORKER_MB },
  };
}

/** A setting that makes starting wrong: the start says which, and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Links that leave the server (invitations, vault links) must point at the real service: in
 * production that is PUBLIC_URL, without which the server refuses to start; a request's Host
 * header is never used, since whoever sends the request chooses it.
 */
export function requirePublicUrl(config: Pick<Config, 'publicUrl' | 'production'>): void {
  if (config.publicUrl !== null) {
    const protocol = URL.canParse(config.publicUrl) ? new URL(config.publicUrl).protocol : null;
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new ConfigError(`PUBLIC_URL invalide : ${config.publicUrl} (attendu : https://relais.example.fr) / PUBLIC_URL is not an http(s) URL.`);
    }
    return;
  }
  if (config.production) {
    throw new ConfigError(
      'PUBLIC_URL manquant : en production, indiquez l’adresse publique de Relais (PUBLIC_URL=https://relais.example.fr), ' +
        'vers laquelle pointent les liens envoyés par e-mail et SMS. / PUBLIC_URL is required in production: the public origin that emailed and texted links point to.',
    );
  }
}

/** Where links sent by email or SMS point: PUBLIC_URL, else this server's own origin as configured. */
export function linkOrigin(config: Pick<Config, 'publicUrl' | 'host' | 'port' | 'tlsCert' | 'tlsKey'>): string {
  if (config.publicUrl) return new URL(config.publicUrl).origin;
  const scheme = config.tlsCert && config.tlsKey ? 'https' : 'http';
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${scheme}://${host}:${config.port}`;
}
