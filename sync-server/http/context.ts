/** What every route handler gets: the store, the session manager, the access policy, config. */
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/users.ts';
import type { SessionManager } from '../auth/sessions.ts';
import type { AccessPolicy } from '../auth/access.ts';
import type { Config } from '../config.ts';
import type { Messaging } from '../messaging/types.ts';
import type { DocumentServices } from '../documents/index.ts';
import type { ActivityFeed } from '../consultations/ActivityFeed.ts';
import type { InvitationTokens } from '../auth/invitationTokens.ts';
import type { TicketRegistry } from '../auth/issuedTickets.ts';
import type { PendingFlows } from '../auth/pscFlows.ts';
import type { Readiness } from '../readiness.ts';
import { SESSION_COOKIE, readCookie } from '../auth/sessions.ts';
import { HttpError, type Reply, type Request } from './reply.ts';
import type { Api, Binary, BodyOf, ParamsOf, QueryOf, RouteId } from '../../schema/routes.ts';

export interface Context {
  config: Config;
  /** This server's log (log.ts): no health data, route patterns and kinds rather than ids. */
  logger: Logger;
  store: Store;
  sessions: SessionManager;
  access: AccessPolicy;
  /** Email and SMS, recorded with their delivery status (messaging/). */
  messaging: Messaging;
  /** Writes «Mes rendez-vous» (`activity/<establishmentId>` documents). */
  activity: ActivityFeed;
  /** Signs and checks join-link tokens. */
  invitationTokens: InvitationTokens;
  /** Blobs, dossier edits, signature images, vault links (documents/). */
  documents: DocumentServices;
  /** GET /api/health/ready's checks (readiness.ts). */
  readiness: Readiness;
  /**
   * Call after a change of rights, so that sockets already open follow it (SPEC §9): closes the
   * sockets of a consultation's documents whose holder lost access, every socket of a user, or
   * those of one session.
   */
  /** Who is in a consultation's call now (account or invitation ids), from the room's awareness. */
  callParticipants(consultationId: string): Promise<Set<string>>;
  /** The peer tickets issued (by any node, in a cluster): who a peer id really is. */
  tickets: TicketRegistry;
  /** Pro Santé Connect logins waiting for the provider (any node's, in a cluster). */
  pscFlows: PendingFlows;
  accessChanged: {
    consultation(consultationId: string): void;
    signedOut(userId: string): void;
    /** One session ended (logout on one station): the sockets it opened close, the others stay. */
    sessionEnded(sessionKey: string): void;
  };
}

/**
 * A request as a handler of the contract's route `Id` sees it: its path parameters checked, its
 * query and body read through the contract (a field the route does not declare does not compile).
 */
export interface ApiRequest<Id extends RouteId> extends Request {
  params: ParamsOf<Id>;
  /** The query, checked: a bad value answers 400 naming it. */
  readQuery(): QueryOf<Id>;
  /**
   * The body, checked: a bad field answers 400 naming it, before anything is stored. Called when
   * the handler is ready for it, so that a request refused for its session or its target is
   * refused as before. A streamed upload's body must be taken before the handler's first await.
   */
  readBody(): Api[Id] extends { body: Binary } ? AsyncIterable<Buffer> : Promise<BodyOf<Id>>;
}

export type ApiHandler<Id extends RouteId> = (req: ApiRequest<Id>, reply: Reply, ctx: Context) => Promise<void> | void;

/** The handlers of some routes of the contract, one per route id. */
export type Handlers<Id extends RouteId> = { [K in Id]: ApiHandler<K> };

/** A route outside the contract: a page for developers, not JSON (devOutbox.ts). */
export interface PageRoute {
  method: string;
  pattern: RegExp;
  /** What the access log says for it, ids left out: `/dev/outbox/:id`. */
  label: string;
  handler: (req: Request, match: string[], reply: Reply, ctx: Context) => Promise<void> | void;
}

export function sessionToken(req: Request): string | null {
  return readCookie(req.headers.get('cookie'), SESSION_COOKIE);
}

/** The logged-in user, or a 401 thrown to the router. */
export async function requireUser(req: Request, ctx: Context): Promise<User> {
  const userId = await ctx.sessions.resolve(sessionToken(req));
  const user = userId ? await ctx.store.users.get(userId) : undefined;
  if (!user) throw new HttpError(401, 'unauthenticated', 'Votre session a expiré. Veuillez vous reconnecter.');
  return user;
}
