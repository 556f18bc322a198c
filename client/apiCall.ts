/**
 * The one REST client, derived from the contract (schema/routes.ts): `apiCall(routeId, { params,
 * query, body })` builds the method and the URL from the table and returns the route's typed
 * response. A body the route does not declare does not compile.
 *
 * Failures are told apart because the pages react differently: 401 sends to the login page, a
 * network failure falls back to what this station cached, any other error shows a message.
 */
import { hasMessage, lang, t } from './i18n/index.ts';
import { API, fillPath, type Api, type ApiErrorBody, type BodyInputOf, type ParamsOf, type QueryInputOf, type ResponseOf, type RouteId } from '../schema/routes.ts';

export type FailureKind = 'unauthorized' | 'forbidden' | 'notFound' | 'error';

export type ApiFailure =
  | {
      ok: false;
      kind: FailureKind;
      status: number;
      /** The server's stable code (`invalid_request`, `room_full`…), null when it sent none. */
      code: string | null;
      /** The message to show; null when the server sent none. */
      message: string | null;
      /** The field a 400 `invalid_request` names. */
      field: string | null;
      /** A form's per-field messages (`invalid_fields`). */
      fields: Record<string, string>;
      /** The whole error body, for routes that say more (`duplicates` of a likely duplicate). */
      body: Record<string, unknown> | null;
    }
  | { ok: false; kind: 'network'; status: 0; code: null; message: null; field: null; fields: Record<string, string>; body: null };

export type ApiResult<T> = { ok: true; value: T } | ApiFailure;

type ParamsPart<Id extends RouteId> = Api[Id] extends { params: object } ? { params: ParamsOf<Id> } : { params?: undefined };
type QueryPart<Id extends RouteId> = Api[Id] extends { query: object } ? { query?: QueryInputOf<Id> } : { query?: undefined };
type BodyPart<Id extends RouteId> = Api[Id] extends { body: unknown } ? { body: BodyInputOf<Id> } : { body?: undefined };
export type CallInput<Id extends RouteId> = ParamsPart<Id> &
  QueryPart<Id> &
  BodyPart<Id> & {
    /** A guest's `Authorization: Invitation <token>` (call room routes). */
    headers?: Record<string, string>;
  };

/** Routes called with nothing may omit the second argument. */
type Args<Id extends RouteId> = Record<string, never> extends CallInput<Id> ? [input?: CallInput<Id>] : [input: CallInput<Id>];

type UrlArgs<Id extends RouteId> = Record<string, never> extends ParamsPart<Id> ? [input?: ParamsPart<Id> & QueryPart<Id>] : [input: ParamsPart<Id> & QueryPart<Id>];

/** The URL of a route: for links and downloads (`<a href>`, `<iframe src>`) and uploads. */
export function apiUrl<Id extends RouteId>(id: Id, ...[input]: UrlArgs<Id>): string {
  const path = fillPath(API[id].path, input?.params ?? {});
  const query = new URLSearchParams();
  // Query values are texts (flags are '1' and '0': schema/routes.ts).
  for (const [k, val] of Object.entries<string | undefined>(input?.query ?? {})) {
    if (val !== undefined && val !== '') query.set(k, val);
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

const kindOf = (status: number): FailureKind =>
  status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'notFound' : 'error';

/** A failure from an HTTP status and the error body the server sent (or null). */
export function failure(status: number, json: unknown): ApiFailure {
  const body = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  const error = body as Partial<ApiErrorBody> | null;
  return {
    ok: false,
    kind: kindOf(status),
    status,
    code: typeof error?.error === 'string' ? error.error : null,
    message: localMessage(error),
    field: typeof error?.field === 'string' ? error.field : null,
    fields: localFields(error),
    body,
  };
}

/**
 * A form's per-field messages in the interface language: French, the server's; any other, the
 * client's words for the field's error code (identity rules), or a plain «check this field».
 */
function localFields(error: Partial<ApiErrorBody> | null): Record<string, string> {
  const fields = error?.fields && typeof error.fields === 'object' ? error.fields : {};
  if (lang() === 'fr') return fields;
  const codes = error?.fieldCodes && typeof error.fieldCodes === 'object' ? error.fieldCodes : {};
  const out: Record<string, string> = {};
  for (const field of Object.keys(fields)) {
    const key = `consultation.identity.error.${codes[field] ?? ''}`;
    out[field] = codes[field] && hasMessage(key) ? t(key) : t('error.field');
  }
  return out;
}

/**
 * What to show for an error body. The server speaks French: the French interface shows its message
 * (it may name a number, a field, a resource); any other language shows the client's own
 * translation of the error code (client/i18n/areas/errors.*.ts), never the French text.
 */
export function localMessage(error: Partial<ApiErrorBody> | null): string | null {
  const server = typeof error?.message === 'string' ? error.message : null;
  const code = typeof error?.error === 'string' ? error.error : null;
  if (lang() === 'fr' && server) return server;
  if (code === 'invalid_request' && typeof error?.field === 'string') return t('error.invalid_request.field', { field: error.field });
  const key = `error.${code ?? ''}`;
  if (code && hasMessage(key)) return t(key);
  return server === null ? null : t('error.generic');
}

export const networkFailure: ApiFailure = { ok: false, kind: 'network', status: 0, code: null, message: null, field: null, fields: {}, body: null };

export async function apiCall<Id extends RouteId>(id: Id, ...args: Args<Id>): Promise<ApiResult<ResponseOf<Id>>> {
  const route = API[id];
  const input = args[0];
  const body: unknown = input?.body;
  const binary = body instanceof Blob;
  let response: Response;
  try {
    response = await fetch(apiUrl(id, ...(args as unknown as UrlArgs<Id>)), {
      method: route.method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': binary ? body.type || 'application/octet-stream' : 'application/json' }),
        ...input?.headers,
      },
      body: body === undefined ? null : binary ? body : JSON.stringify(body),
    });
  } catch {
    return networkFailure;
  }
  if (!response.ok) return failure(response.status, await response.json().catch(() => null));
  if (response.status === 204 || route.response === 'none') return { ok: true, value: undefined as ResponseOf<Id> };
  if (typeof route.response === 'object' && 'binary' in route.response) return { ok: true, value: (await response.blob()) as ResponseOf<Id> };
  return { ok: true, value: (await response.json().catch(() => null)) as ResponseOf<Id> };
}
