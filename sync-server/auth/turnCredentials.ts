/**
 * ICE servers handed to call participants (SPEC §8 "TURN servers are configurable").
 * - `ICE_SERVERS`: a JSON array of RTCIceServer (STUN, or TURN with fixed credentials).
 * - `TURN_URLS` (comma-separated turn:/turns: URLs) + `TURN_SECRET`: short-lived credentials in
 *   coturn's REST scheme (`use-auth-secret`): username "<expiry epoch s>:<participant>", password
 *   base64(HMAC-SHA1(secret, username)), so no long-lived TURN password reaches a browser.
 * - `ICE_TRANSPORT_POLICY`: `all` (default) or `relay`. `relay` makes browsers use only TURN relay
 *   candidates (RTCConfiguration `iceTransportPolicy`): every call goes through the TURN server, as
 *   it must behind a firewall that lets nothing else out, and no participant sees another's address.
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

export type IceTransportPolicy = 'all' | 'relay';

export interface IceConfig {
  staticServers: IceServer[];
  turn: { urls: string[]; secret: string } | null;
  transportPolicy: IceTransportPolicy;
}

export function readIceConfig(env: NodeJS.ProcessEnv): IceConfig {
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
  const policy = env.ICE_TRANSPORT_POLICY || 'all';
  if (policy !== 'all' && policy !== 'relay') throw new Error(`ICE_TRANSPORT_POLICY must be "all" or "relay": ${policy}`);
  if (policy === 'relay' && !turn && !staticServers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)))) {
    // Relay only with no TURN server: no candidate at all, no call would ever connect.
    throw new Error('ICE_TRANSPORT_POLICY=relay needs a TURN server (TURN_URLS and TURN_SECRET, or a turn: entry in ICE_SERVERS)');
  }
  return { staticServers, turn, transportPolicy: policy };
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
