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
  /** Public origin (https://relais.example.fr) when behind a proxy; used for the CSRF Origin check. */
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
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env.PORT, 8080);
  const publicUrl = env.PUBLIC_URL ?? null;
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
  };
}

function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer setting: ${value}`);
  return n;
}
