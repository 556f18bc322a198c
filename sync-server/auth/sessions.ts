/** Login sessions: opaque random tokens in an HttpOnly cookie, stored hashed. */
import { createHash, randomBytes } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { Sessions } from '../store/contract.ts';
import type { Session } from '../store/sessions.ts';

export const SESSION_COOKIE = 'relais_session';
/** A session unused for this long ends. */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
/** A session ends this long after login whatever its use. */
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60_000;
/** lastSeenAt is rewritten at most this often (a read per request, not a write). */
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class SessionManager {
  constructor(private readonly store: Sessions) {}

  async create(userId: string, now = Date.now()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.store.put(hashToken(token), { userId, createdAt: now, lastSeenAt: now });
    return token;
  }

  /** The user id behind a token, or null when the token is unknown or expired. */
  async resolve(token: string | null | undefined, now = Date.now()): Promise<string | null> {
    if (!token || token.length > 100) return null;
    const key = hashToken(token);
    const session = await this.store.get(key);
    if (!session) return null;
    if (now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_ABSOLUTE_MS) {
      void this.store.remove(key);
      return null;
    }
    this.touchSession(key, session, now);
    return session.userId;
  }

  /** True while the session behind `key` has not ended (idle or absolute limit); changes nothing. */
  async isLive(key: string, now = Date.now()): Promise<boolean> {
    const session = await this.store.get(key);
    return !!session && now - session.lastSeenAt <= SESSION_IDLE_MS && now - session.createdAt <= SESSION_ABSOLUTE_MS;
  }

  /** The session was used (a request, or edits through a socket it opened): its idle time restarts. */
  async touch(key: string, now = Date.now()): Promise<void> {
    const session = await this.store.get(key);
    if (session) this.touchSession(key, session, now);
  }

  private touchSession(key: string, session: Session, now: number): void {
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) void this.store.put(key, { ...session, lastSeenAt: now });
  }

  /** The stored key of a token's session, which names it without revealing the token. */
  keyOf(token: string): string {
    return hashToken(token);
  }

  async destroy(token: string): Promise<void> {
    await this.store.remove(hashToken(token));
  }

  destroyAll(userId: string): Promise<number> {
    return this.store.removeForUser(userId);
  }

  /** Ends every session of a user but the one `keepToken` holds; returns the keys of those ended. */
  destroyOthers(userId: string, keepToken: string): Promise<string[]> {
    return this.store.removeOthers(userId, this.keyOf(keepToken));
  }
}

/**
 * The value of cookie `name` in a Cookie header. The header is whatever the caller sent: the
 * `cookie` library parses it without throwing (a malformed percent-escape stays as sent, and then
 * matches no session), where a hand-written decodeURIComponent once brought the server down.
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  return parseCookie(header)[name] ?? null;
}

export function sessionCookie(token: string, secure: boolean, maxAgeSeconds = SESSION_ABSOLUTE_MS / 1000): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
