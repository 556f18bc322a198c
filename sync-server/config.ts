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
    secureCookies: publicUrl ? publicUrl.startsWith('https:') : false,
    compactAfter: intFrom(env.RELAIS_COMPACT_AFTER, 500),
  };
}

function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer setting: ${value}`);
  return n;
}
