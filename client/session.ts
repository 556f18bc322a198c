/**
 * Who is logged in. The last user and the consultations they saw are remembered in localStorage,
 * so that a page reloaded without network (SPEC §8) still knows who is editing and what about.
 * Unsent fiche edits live in IndexedDB (see sync/), not here.
 */
import { createSignal } from 'solid-js';
import type { ConsultationSummary, SessionRequest, SessionUser } from '../schema/api.ts';
import { api, type ApiResult } from './api.ts';

const USER_KEY = 'relais.user';
const CONSULTATIONS_KEY = 'relais.consultations';

export type SessionStatus = 'unknown' | 'authenticated' | 'anonymous';

const [user, setUser] = createSignal<SessionUser | null>(null);
const [status, setStatus] = createSignal<SessionStatus>('unknown');
export { user, status as sessionStatus };

function readJson<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

function writeJson(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the app still works online
  }
}

function isSessionUser(value: unknown): value is SessionUser {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.displayName === 'string' && typeof v.color === 'string';
}

function signedIn(next: SessionUser): void {
  const previous = readJson<SessionUser>(USER_KEY);
  // Another person on this station must not see the previous one's cached list.
  if (previous && previous.id !== next.id) forgetCache();
  writeJson(USER_KEY, next);
  setUser(next);
  setStatus('authenticated');
}

function forgetCache(): void {
  try {
    localStorage.removeItem(USER_KEY);
    localStorage.removeItem(CONSULTATIONS_KEY);
  } catch {
    // nothing to forget
  }
}

function signedOut(): void {
  forgetCache();
  setUser(null);
  setStatus('anonymous');
}

/** Asks the server who we are; offline, trusts the last user seen on this station. */
export async function loadSession(): Promise<void> {
  const result = await api.session();
  if (result.ok && isSessionUser(result.value.user)) {
    signedIn(result.value.user);
  } else if (!result.ok && result.kind === 'network') {
    const cached = readJson<unknown>(USER_KEY);
    if (isSessionUser(cached)) {
      setUser(cached);
      setStatus('authenticated');
    } else {
      setStatus('anonymous');
    }
  } else {
    signedOut();
  }
}

export async function login(credentials: SessionRequest): Promise<ApiResult<unknown>> {
  const result = await api.login(credentials);
  if (result.ok) signedIn(result.value.user);
  return result;
}

export async function logout(): Promise<void> {
  await api.logout();
  signedOut();
}

/** Called when the server answers 401 to a request made while we thought we were logged in. */
export function sessionExpired(): void {
  signedOut();
}

type CachedConsultations = Record<string, ConsultationSummary>;

/** The full list from the server replaces what was cached. */
export function rememberConsultationList(list: ConsultationSummary[]): void {
  writeJson(CONSULTATIONS_KEY, Object.fromEntries(list.map((c) => [c.id, c])));
}

export function rememberConsultation(consultation: ConsultationSummary): void {
  const all = readJson<CachedConsultations>(CONSULTATIONS_KEY) ?? {};
  all[consultation.id] = consultation;
  writeJson(CONSULTATIONS_KEY, all);
}

export function cachedConsultation(id: string): ConsultationSummary | null {
  return readJson<CachedConsultations>(CONSULTATIONS_KEY)?.[id] ?? null;
}

export function cachedConsultations(): ConsultationSummary[] {
  const all = readJson<CachedConsultations>(CONSULTATIONS_KEY) ?? {};
  return Object.values(all).sort((a, b) => a.start.localeCompare(b.start));
}
