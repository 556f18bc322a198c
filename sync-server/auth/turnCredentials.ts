/**
 * ICE servers handed to call participants (SPEC §8 "TURN servers are configurable").
 * - `ICE_SERVERS`: a JSON array of RTCIceServer (STUN, or TURN with fixed credentials).
 * - `TURN_URLS` (comma-separated turn:/turns: URLs) + `TURN_SECRET`: short-lived credentials in
 *   coturn's REST scheme (`use-auth-secret`): username "<expiry epoch s>:<participant>", password
 *   base64(HMAC-SHA1(secret, username)), so no long-lived TURN password reaches a browser.
 * Nothing set: no ICE servers, enough on one network (and on loopback in tests).
 */

import { createHmac } from 'node:crypto';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** TURN credentials live a little longer than a long consultation. */
export const TURN_CREDENTIAL_TTL_S = 4 * 60 * 60;

export interface IceConfig {
  staticServers: IceServer[];
  turn: { urls: string[]; secret: string } | null;
}

export function readIceConfig(env: NodeJS.ProcessEnv = process.env): IceConfig {
  let staticServers: IceServer[] = [];
  if (env.ICE_SERVERS) {
    const parsed = JSON.parse(env.ICE_SERVERS) as unknown;
    if (!Array.isArray(parsed) || !parsed.every((s) => s && typeof s === 'object' && 'urls' in s)) {
      throw new Error('ICE_SERVERS must be a JSON array of {"urls": ...} objects');
    }
    staticServers = parsed as IceServer[];
  }
  const urls = (env.TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const turn = urls.length > 0 && env.TURN_SECRET ? { urls, secret: env.TURN_SECRET } : null;
  return { staticServers, turn };
}

export function turnCredentials(secret: string, participantId: string, now = Date.now()): { username: string; credential: string } {
  const username = `${Math.floor(now / 1000) + TURN_CREDENTIAL_TTL_S}:${participantId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export function iceServersFor(config: IceConfig, participantId: string, now = Date.now()): IceServer[] {
  const servers = [...config.staticServers];
  if (config.turn) servers.push({ urls: config.turn.urls, ...turnCredentials(config.turn.secret, participantId, now) });
  return servers;
}
