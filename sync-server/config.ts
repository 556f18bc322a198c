/**
 * Configuration from the environment, every setting optional (ARCHITECTURE "Configuration").
 */
import { resolve } from 'node:path';

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

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env.PORT, 8080);
  const publicUrl = env.PUBLIC_URL || null;
  return {
    port,
    peerPort: intFrom(env.PEER_PORT, 9000),
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.RELAIS_DATA_DIR ?? './data'),
    clientDir: resolve(env.RELAIS_CLIENT_DIR ?? './dist/client'),
    publicUrl,
    // Under TLS the browser reaches us over https whatever PUBLIC_URL says.
    secureCookies: Boolean(env.TLS_CERT && env.TLS_KEY) || (publicUrl?.startsWith('https:') ?? false),
    compactAfter: intFrom(env.RELAIS_COMPACT_AFTER, 500),
    sessionSweepMs: 60_000,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM || 'Relais <no-reply@localhost>',
    smsGatewayUrl: env.SMS_GATEWAY_URL || null,
    smsGatewayToken: env.SMS_GATEWAY_TOKEN || null,
    production: env.NODE_ENV === 'production',
    pscIssuer: env.PSC_ISSUER || null,
    pscClientId: env.PSC_CLIENT_ID || null,
    pscClientSecret: env.PSC_CLIENT_SECRET || null,
    tlsCert: env.TLS_CERT || null,
    tlsKey: env.TLS_KEY || null,
    trustProxy: env.TRUST_PROXY === '1',
    metricsToken: metricsTokenFrom(env.METRICS_TOKEN),
    messageCaps: {
      recipient: capFrom(env.RELAIS_SENDS_PER_RECIPIENT, '10/24h'),
      account: capFrom(env.RELAIS_SENDS_PER_ACCOUNT, '60/1h'),
      establishment: capFrom(env.RELAIS_SENDS_PER_ESTABLISHMENT, '500/24h'),
    },
    pdf: {
      workers: Math.max(1, intFrom(env.RELAIS_PDF_WORKERS, 1)),
      queue: intFrom(env.RELAIS_PDF_QUEUE, 8),
      workerMemoryMb: Math.max(64, intFrom(env.RELAIS_PDF_WORKER_MB, 512)),
    },
  };
}

function metricsTokenFrom(value: string | undefined): string | null {
  if (!value) return null;
  if (value.length < 16 || /\s/.test(value)) {
    throw new ConfigError('METRICS_TOKEN invalide : 16 caractères au moins, sans espace (openssl rand -hex 32). / METRICS_TOKEN must be at least 16 characters, no spaces.');
  }
  return value;
}

/** «<count>/<window>», the window in minutes or hours: `10/24h`, `5/15m`. */
function capFrom(value: string | undefined, fallback: string): SendCap {
  const match = /^([0-9]+)\/([0-9]+)([mh])$/.exec((value || fallback).trim());
  if (!match || Number(match[2]) === 0) throw new Error(`Invalid cap setting (expected e.g. 10/24h): ${value}`);
  return { max: Number(match[1]), windowMs: Number(match[2]) * (match[3] === 'h' ? 3_600_000 : 60_000) };
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

function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer setting: ${value}`);
  return n;
}
