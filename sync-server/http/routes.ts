/**
 * The router, derived from the contract (schema/routes.ts): each route of the table gets the
 * handler of the same id, its path parameters checked by the table, its query and body read
 * through it. One handler per route id, or this file does not compile.
 */
import * as v from 'valibot';
import { API, describeIssues, isBinary, pathParams, type RouteId, type RouteSpec } from '../../schema/routes.ts';
import type { ApiHandler, ApiRequest, Context, Handlers, PageRoute } from './context.ts';
import { HttpError, type Reply, type Request } from './reply.ts';
import { healthHandlers } from './health.ts';
import { sessionHandlers } from './session.ts';
import { consultationHandlers } from './consultations.ts';
import { patientHandlers } from './patients.ts';
import { directoryHandlers } from './directory.ts';
import { invitationHandlers } from './invitations.ts';
import { documentHandlers } from './documents.ts';
import { ficheHandlers } from './fiche.ts';
import { signatureHandlers } from './signature.ts';
import { vaultHandlers } from './vault.ts';
import { secureMessagingHandlers } from './secureMessaging.ts';
import { dossierExportHandlers } from './dossierExport.ts';
import { devOutboxRoutes } from './devOutbox.ts';
import { strongAuthHandlers } from './strongAuth.ts';
import { accountHandlers } from './account.ts';
import { pscHandlers } from './psc.ts';
import { auditHandlers } from './auditLog.ts';
import { adminAccountHandlers } from './adminAccounts.ts';
import { peerTicketHandlers } from './peerTickets.ts';
import { joinHandlers } from './join.ts';
import { roomDocumentHandlers } from './roomDocuments.ts';
import { callInvitationHandlers } from './callInvitations.ts';
import { openApiHandlers } from './openApi.ts';
import { notePattern } from './metrics.ts';

const handlers: Handlers<RouteId> = {
  ...healthHandlers,
  ...openApiHandlers,
  ...sessionHandlers,
  ...strongAuthHandlers,
  ...accountHandlers,
  ...pscHandlers,
  ...auditHandlers,
  ...adminAccountHandlers,
  ...consultationHandlers,
  ...patientHandlers,
  ...directoryHandlers,
  ...invitationHandlers,
  ...peerTicketHandlers,
  ...joinHandlers,
  ...roomDocumentHandlers,
  ...callInvitationHandlers,
  ...documentHandlers,
  ...ficheHandlers,
  ...signatureHandlers,
  ...vaultHandlers,
  ...secureMessagingHandlers,
  ...dossierExportHandlers,
};

interface CompiledRoute {
  id: RouteId;
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(id: RouteId, spec: RouteSpec): CompiledRoute {
  const names = pathParams(spec.path);
  const source = spec.path
    .split(/(:[A-Za-z]+)/)
    .map((part) => (part.startsWith(':') ? '([^/]+)' : escapeRegExp(part)))
    .join('');
  return { id, spec, pattern: new RegExp(`^${source}$`), names };
}

// Literal paths first: `/api/consultations/instant` is not the consultation called «instant».
const compiled = (Object.keys(API) as RouteId[])
  .map((id) => compile(id, API[id]))
  .sort((a, b) => a.names.length - b.names.length);

/** A 400 naming the field the contract refused, in French. */
function refusal(issues: readonly v.BaseIssue<unknown>[]): HttpError {
  const { field, message } = describeIssues(issues);
  return new InvalidRequest(field, message);
}

export class InvalidRequest extends HttpError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(400, 'invalid_request', message);
  }
}

function firstValues(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of query) if (!(k in out)) out[k] = val;
  return out;
}

function apiRequest(route: CompiledRoute, params: Record<string, unknown>, req: Request, reply: Reply): ApiRequest<RouteId> {
  const { spec } = route;
  return Object.assign(req, {
    params,
    readQuery() {
      if (!spec.query) return {};
      const parsed = v.safeParse(spec.query, firstValues(req.query));
      if (!parsed.success) throw refusal(parsed.issues);
      return parsed.output;
    },
    readBody() {
      const schema = spec.body;
      if (isBinary(schema)) return reply.streamBody();
      return (async () => {
        if (!schema) return undefined;
        const raw = await reply.body(64 * 1024);
        let json: unknown;
        try {
          json = raw.byteLength === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
        } catch {
          throw new HttpError(400, 'invalid_json', 'La requête est mal formée.');
        }
        const parsed = v.safeParse(schema, json);
        if (!parsed.success) throw refusal(parsed.issues);
        return parsed.output;
      })();
    },
  }) as unknown as ApiRequest<RouteId>;
}

/**
 * Finds the route of `req` and runs it. False when no route has this path; a path known with
 * another method answers 405. A parameter the table refuses is a path no route has (404), as the
 * per-route patterns answered before.
 */
export async function routeRequest(req: Request, reply: Reply, ctx: Context, matched: (pattern: string) => void = () => undefined): Promise<boolean> {
  let pathMatched = false;
  for (const route of compiled) {
    const match = route.pattern.exec(req.path);
    if (!match) continue;
    const raw: Record<string, string> = {};
    route.names.forEach((name, i) => (raw[name] = match[i + 1] ?? ''));
    const params = route.spec.params ? v.safeParse(route.spec.params, raw) : { success: true as const, output: raw };
    if (!params.success) continue;
    pathMatched = true;
    matched(route.spec.path);
    if (route.spec.method !== req.method) continue;
    const handler = handlers[route.id] as ApiHandler<RouteId>;
    notePattern(req, route.spec.path);
    await handler(apiRequest(route, params.output, req, reply), reply, ctx);
    return true;
  }
  for (const page of devOutboxRoutes) {
    const match = page.pattern.exec(req.path);
    if (!match) continue;
    pathMatched = true;
    matched(page.label);
    if (page.method !== req.method) continue;
    notePattern(req, 'dev');
    await page.handler(req, match.slice(1), reply, ctx);
    return true;
  }
  if (pathMatched) throw new HttpError(405, 'method_not_allowed', 'Méthode non autorisée.');
  return false;
}

export type { PageRoute };
