/**
 * The REST client: JSON over fetch with the session cookie. Failures are told apart because the
 * pages react differently: 401 sends to the login page, a network failure falls back to what this
 * station cached, any other error shows the server's French message.
 */
import type {
  ApiError,
  ConsultationListResponse,
  ConsultationResponse,
  SessionRequest,
  SessionResponse,
} from '../schema/api.ts';

export type ApiResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: 'unauthorized' | 'forbidden' | 'notFound' | 'error'; status: number; message: string | null }
  | { ok: false; kind: 'network'; status: 0; message: null };

export async function request<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    return { ok: false, kind: 'network', status: 0, message: null };
  }
  if (response.status === 204) return { ok: true, value: undefined as T };
  const json: unknown = await response.json().catch(() => null);
  if (response.ok) return { ok: true, value: json as T };
  const message =
    json !== null && typeof json === 'object' && typeof (json as ApiError).message === 'string'
      ? (json as ApiError).message
      : null;
  const kind =
    response.status === 401
      ? 'unauthorized'
      : response.status === 403
        ? 'forbidden'
        : response.status === 404
          ? 'notFound'
          : 'error';
  return { ok: false, kind, status: response.status, message };
}

export const api = {
  login: (credentials: SessionRequest) => request<SessionResponse>('POST', '/api/session', credentials),
  session: () => request<SessionResponse>('GET', '/api/session'),
  logout: () => request<void>('DELETE', '/api/session'),
  consultations: () => request<ConsultationListResponse>('GET', '/api/consultations'),
  consultation: (id: string) => request<ConsultationResponse>('GET', `/api/consultations/${encodeURIComponent(id)}`),
};
