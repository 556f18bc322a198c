/**
 * Relais's back end on one port: the REST API, the built client, and Yjs sync over WebSocket at
 * /sync/<docName>. `startServer` is what main.ts, scripts/start.ts and the integration tests call.
 */
import uWS from 'uWebSockets.js';
import type { Config } from './config.ts';
import type { Store } from './store/index.ts';
import { SessionManager, SESSION_COOKIE, readCookie } from './auth/sessions.ts';
import { AccessPolicy, clientWritesOf, parseDocName } from './auth/access.ts';
import { HttpError, Reply, readRequest, securityHeaders, type Request } from './http/reply.ts';
import { peerConnectSources } from './http/peerTickets.ts';
import type { Context } from './http/context.ts';
import { InvalidRequest, routeRequest } from './http/routes.ts';
import { StaticFiles } from './http/static.ts';
import { RoomRegistry } from './sync/RoomRegistry.ts';
import { Connection, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './sync/Connection.ts';
import type { Access, Room } from './sync/Room.ts';
import { UwsSyncSocket, uwsFanOut, uwsNativeLoaded } from './sync/uwsAdapter.ts';
import { createMessaging } from './messaging/index.ts';
import { InvitationTokens, invitationVerifier } from './auth/invitationTokens.ts';
import { sharedSecret } from './auth/secrets.ts';
import { shareAddressFailures } from './auth/services.ts';
import { localServices, type ClusterServices } from './cluster/index.ts';
import { accessChangedVia } from './cluster/events.ts';
import type { DocBus } from './cluster/docBus.ts';
import { ActivityFeed, freshActivity } from './consultations/ActivityFeed.ts';
import { RoomPresence, callersOf } from './consultations/RoomPresence.ts';
import type { Messaging } from './messaging/types.ts';
import { rememberAddress } from './http/remoteAddress.ts';
import { audit } from './audit/audit.ts';
import { SocketOwners } from './sync/SocketOwners.ts';
import { createDocumentServices, type DocumentServices } from './documents/index.ts';
import { auditDocuments } from './documents/auditDocuments.ts';
import { Retention } from './documents/retention.ts';
import { Readiness } from './readiness.ts';
import { syncCounts, watch } from './metrics.ts';
import { METRICS_PATH, countRequest, noteFailure, serveMetrics } from './http/metrics.ts';
import { createLogger, nextId, type Logger } from './log.ts';

export interface RelaisServer {
  port: number;
  registry: RoomRegistry;
  messaging: Messaging;
  /** See Context['accessChanged']: open sockets follow a change of rights. */
  accessChanged: Context['accessChanged'];
  /** The daily purge of dossiers past their retention period (SPEC §7.3). */
  retention: Retention;
  close(): Promise<void>;
}

interface SocketData {
  docName: string;
  /** Logged for the socket: its id, and its document's kind («dossier», «room»…), never the consultation id. */
  sock: string;
  kind: string;
  openedAt: number;
  access: Access;
  userId: string;
  /** The login session's key (SessionManager.keyOf), null for a guest. */
  sessionKey: string | null;
  /** When edits through this socket last counted as use of the session. */
  touchedAt: number;
  /** Lets the room loaded by the upgrade go, once `open` joined it (RoomRegistry.openPinned). */
  release: () => void;
  socket?: UwsSyncSocket<SocketData>;
  connection?: Connection;
}

/** Sockets one user may hold open at once (one per open document). */
const MAX_SOCKETS_PER_USER = 64;
/** WebSocket close code for a socket closed because the server failed on it (RFC 6455). */
const CLOSE_INTERNAL_ERROR = 1011;
/** uWS listen option: exported by the binary, missing from its type definitions. */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** Runs `action`, ignoring its failure: answering a request that is already gone throws in uWS. */
function guard(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing left to answer.
  }
}

export interface ServerOptions {
  limits?: Partial<ConnectionLimits>;
  /** Where log lines go; default: stdout and LOG_FILE at LOG_LEVEL (log.ts). */
  logger?: Logger;
  /** Waits between delivery tries of a message; tests shorten them. */
  messagingRetryDelaysMs?: number[];
  /** False only for the bench's «before» figure (scripts/bench/activity.ts): the activity feed is never replaced. */
  activityGenerations?: boolean;
  /**
   * What crosses nodes (cluster/index.ts): rights changes, login brakes, issued tickets, periodic
   * jobs. Default: a single node's. Closed by the caller, who opened its Redis link and pool.
   */
  cluster?: ClusterServices;
  /**
   * How this node's rooms hear other nodes' (cluster/docBus.ts): Redis in a cluster; default a
   * single node's, which has nobody to hear. Closed by the caller.
   */
  bus?: DocBus;
}

export async function startServer(config: Config, store: Store, options: ServerOptions = {}): Promise<RelaisServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, file: config.logFile });
  // Errors without health data: where, and the error's message (scrubbed again by the logger).
  const log = (message: string): void => logger.error(message);
  // Every uWS handler is guarded: a throw past one ends the process, and with it REST, sync and
  // calls for everyone. An HttpError is a refusal foreseen (a malformed path), not worth a line;
  // of anything else only the kind is logged, as its message may quote what the request carried.
  const logRefusal = (where: string, error: unknown): void => {
    if (!(error instanceof HttpError)) log(`${where}: failed on a request (${error instanceof Error ? error.name : typeof error})`);
  };
  if (!uwsNativeLoaded() && !config.allowUwsFallback) {
    throw new Error(
      `uWebSockets.js has no native binary for Node ${process.versions.node} (ABI ${process.versions.modules}); use Node 20.`,
    );
  }
  // Cookies sent only over https once the server itself speaks TLS.
  if (config.tlsCert && config.tlsKey && !config.secureCookies) config = { ...config, secureCookies: true };
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const cluster = options.cluster ?? localServices();
  const messaging = await createMessaging(config, store.messages, { retryDelaysMs: options.messagingRetryDelaysMs, log, exclusive: cluster.messageExclusive ?? undefined });
  // A node that died took its planned tries with it: one node plans them again now and then.
  const outboxSweep = cluster.outboxSweepMs
    ? setInterval(() => {
        cluster.jobs.run('outbox', () => Promise.resolve(messaging.messenger.resume())).catch((error: unknown) => log(`outbox sweep: ${error instanceof Error ? error.message : 'error'}`));
      }, cluster.outboxSweepMs)
    : null;
  outboxSweep?.unref();
  if (cluster.addressFailures) shareAddressFailures(store, cluster.addressFailures);
  const invitationTokens = new InvitationTokens(sharedSecret(config, 'invitation'));
  const ctx: Context = {
    config,
    logger,
    store,
    sessions: new SessionManager(store.sessions),
    access: new AccessPolicy(store, invitationVerifier(store, invitationTokens)),
    messaging: messaging.messenger,
    invitationTokens,
    // Set just below, once the room registry it writes through exists.
    activity: null as unknown as ActivityFeed,
    // Set just below, once the room registry it edits dossiers through exists.
    documents: null as unknown as DocumentServices,
    // Set just below, once the room registry exists.
    accessChanged: null as unknown as Context['accessChanged'],
    // Set just below, once the key files the document services load exist.
    readiness: null as unknown as Readiness,
    callParticipants: () => Promise.resolve(new Set<string>()),
    tickets: cluster.tickets,
    pscFlows: cluster.pscFlows,
  };
  const files = new StaticFiles(config.clientDir);
  const tls = config.tlsCert !== null && config.tlsKey !== null;
  const app = tls ? uWS.SSLApp({ cert_file_name: config.tlsCert!, key_file_name: config.tlsKey! }) : uWS.App();
  // Set once the activity feed exists; a room's awareness changes only after sockets arrive.
  let presence: RoomPresence | null = null;
  const registry = new RoomRegistry(store.docs, uwsFanOut(app), {
    compactAfter: config.compactAfter,
    clientWritesOf,
    slowConsumerBytes: limits.maxBackpressureBytes / 2,
    onError: (docName, error) => logger.error({ kind: parseDocName(docName)?.kind ?? 'unknown', err: error }, 'sync: room failed'),
    onAwareness: (room) => presence?.changed(room),
    // The activity feed holds only what «Mes rendez-vous» shows now: past its bound, a fresh generation.
    freshCopyOf: (docName) => (options.activityGenerations !== false && parseDocName(docName)?.kind === 'activity' ? freshActivity : null),
  }, options.bus);
  ctx.documents = createDocumentServices(config, store, registry, (entry) => auditDocuments(ctx, entry));
  await ctx.documents.blobs.sweepTemp();
  ctx.readiness = new Readiness(config, store, messaging.messenger);
  const unwatch = watch({ rooms: registry, outboxBacklog: () => messaging.messenger.backlog });
  const retention = new Retention(store, registry, ctx.documents, log, cluster.jobs);
  retention.start();
  ctx.activity = new ActivityFeed(registry);
  presence = new RoomPresence(store, ctx.activity, log, cluster.tickets);
  const socketOwners = new SocketOwners(registry, async (principal, docName) => {
    const ref = parseDocName(docName);
    if (!ref) return null;
    if (principal.startsWith('guest:')) return ctx.access.guestDocAccess(principal.slice('guest:'.length), ref);
    const holder = await store.users.get(principal);
    return holder ? ctx.access.docAccess(holder, ref) : null;
  });
  ctx.callParticipants = async (consultationId) => {
    const room = registry.get(`room/${consultationId}`);
    return new Set(room ? (await callersOf(room.awarenessStates(), consultationId, cluster.tickets)).map((caller) => caller.participantId) : []);
  };
  // Each node closes its own sockets; in a cluster the change also goes to the other nodes.
  cluster.events.onAccessChanged((change) => {
    if (change.kind === 'consultation') socketOwners.recheck([`dossier/${change.consultationId}`, `room/${change.consultationId}`]).catch((error: unknown) => logRefusal('sync: access recheck', error));
    else if (change.kind === 'signedOut') socketOwners.closeAllOf(change.userId);
    else socketOwners.closeSession(change.sessionKey);
  });
  // Changes other nodes published while this one was cut from Redis: every open socket is checked again.
  cluster.events.onMissed(() => {
    socketOwners.closeEndedSessions((key) => ctx.sessions.isLive(key)).catch((error: unknown) => logRefusal('sync: session sweep', error));
    const names: string[] = [];
    registry.forEach((room) => names.push(room.name));
    socketOwners.recheck(names).catch((error: unknown) => logRefusal('sync: access recheck', error));
  });
  ctx.accessChanged = accessChangedVia(cluster.events);
  // A socket outlives nothing its session does not: one left open on a station overnight closes
  // when the session's idle or absolute limit passes.
  const sessionSweep = setInterval(() => {
    socketOwners.closeEndedSessions((key) => ctx.sessions.isLive(key)).catch((error: unknown) => logRefusal('sync: session sweep', error));
  }, config.sessionSweepMs);
  sessionSweep.unref();

  const socketsPerUser = new Map<string, number>();
  // HSTS only over TLS (directly, or behind an https proxy): on plain http it would be ignored.
  const hsts = tls || config.secureCookies;
  // The page may open the PeerJS signalling socket on the peer server's own port.
  const headers = securityHeaders(peerConnectSources(config));

  const originAllowed = (req: Request): boolean => {
    const origin = req.headers.get('origin');
    if (!origin) return true; // not a browser: CSRF needs a browser carrying the victim's cookie
    if (config.publicUrl && origin === new URL(config.publicUrl).origin) return true;
    try {
      return new URL(origin).host === req.headers.get('host');
    } catch {
      return false;
    }
  };

  const dispatch = async (req: Request, reply: Reply, matched: (pattern: string) => void): Promise<void> => {
    const started = performance.now();
    try {
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !originAllowed(req)) {
        throw new HttpError(403, 'cross_origin', 'Requête refusée : origine non autorisée.');
      }
      if (req.path === METRICS_PATH) {
        // Named before the answer, which writes the access line; a refused scrape goes on as an
        // unknown path and is named as one below.
        matched(METRICS_PATH);
        if (await serveMetrics(req, reply, ctx)) return;
      }
      if (await routeRequest(req, reply, ctx, matched)) return;
      // Pages of the client (/consultations/<id>…) are served as files: their path is not logged.
      matched(req.path.startsWith('/api/') ? '(unknown api)' : '(client)');
      if (req.path.startsWith('/api/')) throw new HttpError(404, 'not_found', 'Ressource introuvable.');
      if (!files.serve(req, reply)) {
        reply.send(404, 'Page introuvable.', [['Content-Type', 'text/plain; charset=utf-8']]);
      }
    } catch (error) {
      noteFailure(req, error);
      if (error instanceof InvalidRequest) {
        reply.sendJson(400, { error: error.code, message: error.message, field: error.field });
      } else if (error instanceof HttpError) {
        reply.error(error.status, error.code, error.message);
      } else {
        logger.error({ err: error }, 'http: request failed');
        reply.error(500, 'internal', 'Erreur interne du serveur. Réessayez dans un instant.');
      }
    } finally {
      countRequest(req, reply, started);
    }
  };

  app.ws<SocketData>('/sync/*', {
    compression: uWS.DISABLED,
    // Above our own limit, so that ours (with its named close code) speaks first.
    maxPayloadLength: limits.maxMessageBytes * 2,
    maxBackpressure: limits.maxBackpressureBytes,
    // A client too slow to drain is dropped rather than sent a gap; it resyncs on reconnect.
    closeOnBackpressureLimit: 1, // a boolean in uWS, typed as a number in its .d.ts
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade(res, uReq, context) {
      const sock = nextId();
      let kind = 'unknown';
      // The checks below read the store, asynchronously: uWS needs to hear of an aborted request,
      // and the request itself is readable only before the first await (readRequest copies it).
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      const refuse = (status: string, message: string): void => {
        logger.info({ sock, kind, status: Number.parseInt(status, 10) }, 'sync socket refused');
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(status).writeHeader('Content-Type', 'application/json; charset=utf-8');
          res.end(JSON.stringify({ error: status, message }));
        });
      };
      let req: Request;
      let address: string;
      try {
        req = readRequest(uReq);
        address = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
      } catch (error) {
        logRefusal('sync: upgrade', error);
        guard(() => refuse('400 Bad Request', error instanceof HttpError ? error.message : 'Requête invalide.'));
        return;
      }
      const admit = async (): Promise<void> => {
        const docName = req.path.slice('/sync/'.length);
        const ref = parseDocName(docName);
        if (!ref) return refuse('404 Not Found', 'Document inconnu.');
        kind = ref.kind;
        if (!originAllowed(req)) return refuse('403 Forbidden', 'Origine non autorisée.');
        // A guest comes with the invitation token of their join link: the call room only. The link
        // wins over a session in the same browser, as for the peer ticket: a colleague invited to
        // the call by link joins as invited, whatever her own rights on the consultation.
        const invitation = req.query.get('invitation');
        // The cookie only: a token in the URL would reach proxy logs and browser history.
        const token = invitation ? null : readCookie(req.headers.get('cookie'), SESSION_COOKIE);
        const userId = token ? await ctx.sessions.resolve(token) : null;
        const user = userId ? await store.users.get(userId) : undefined;
        if (!user && !invitation) return refuse('401 Unauthorized', 'Session absente ou expirée.');
        const access = user ? await ctx.access.docAccess(user, ref) : await ctx.access.guestDocAccess(invitation ?? '', ref);
        if (!access) return refuse('403 Forbidden', 'Accès refusé à ce document.');
        if (ref.kind === 'dossier') {
          const patientId = (await store.consultations.get(ref.id))?.patientId;
          void audit(ctx, { type: 'dossier.open', actorId: user?.id ?? null, consultationId: ref.id, patientId, address });
        }
        // The whole token: SocketOwners checks it again when rights change (the access policy bounds its length).
        const principal = user ? user.id : `guest:${invitation ?? ''}`;
        if ((socketsPerUser.get(principal) ?? 0) >= MAX_SOCKETS_PER_USER) {
          return refuse('429 Too Many Requests', 'Trop de documents ouverts.');
        }
        // The document is loaded before the answer, so that the socket's messages always find it
        // (`open` joins it); held until then, let go at once if the client left meanwhile.
        let opened: { release: () => void };
        try {
          opened = await registry.openPinned(docName);
        } catch (error) {
          logger.error({ sock, kind, err: error }, 'sync: document load failed');
          return refuse('503 Service Unavailable', 'Document momentanément indisponible. Réessayez dans un instant.');
        }
        if (aborted) return opened.release();
        const data: SocketData = {
          docName,
          sock,
          kind,
          openedAt: Date.now(),
          access,
          userId: principal,
          sessionKey: user && token ? ctx.sessions.keyOf(token) : null,
          touchedAt: 0,
          release: opened.release,
        };
        res.cork(() =>
          res.upgrade<SocketData>(
            data,
            req.headers.get('sec-websocket-key') ?? '',
            req.headers.get('sec-websocket-protocol') ?? '',
            req.headers.get('sec-websocket-extensions') ?? '',
            context,
          ),
        );
      };
      admit().catch((error: unknown) => {
        logRefusal('sync: upgrade', error);
        // Already answered or upgraded when the throw came after: nothing more to send then.
        guard(() => refuse('400 Bad Request', error instanceof HttpError ? error.message : 'Requête invalide.'));
      });
    },
    open(ws) {
      const data = ws.getUserData();
      try {
        socketsPerUser.set(data.userId, (socketsPerUser.get(data.userId) ?? 0) + 1);
        const socket = new UwsSyncSocket(ws);
        data.socket = socket;
        let room: Room;
        try {
          room = registry.join(data.docName, socket, data.access, data.userId);
          socketOwners.track(socket, data.userId, data.access, data.sessionKey);
        } catch (error) {
          logger.error({ sock: data.sock, kind: data.kind, err: error }, 'sync: document load failed');
          socket.close(4503, 'load failed');
          return;
        } finally {
          data.release();
        }
        data.connection = new Connection(socket, room, limits);
        logger.info({ sock: data.sock, kind: data.kind, guest: data.userId.startsWith('guest:') }, 'sync socket open');
      } catch (error) {
        logRefusal(`sync: ${data.kind}: open`, error);
        guard(() => ws.end(CLOSE_INTERNAL_ERROR, 'internal error'));
      }
    },
    message(ws, message) {
      const data = ws.getUserData();
      syncCounts.messagesReceived++;
      try {
        if (data.sessionKey) {
          // Working in a document is using the session: its idle time restarts (a write a minute at most).
          const now = Date.now();
          if (now - data.touchedAt > 60_000) {
            data.touchedAt = now;
            ctx.sessions.touch(data.sessionKey, now).catch((error: unknown) => logRefusal(`sync: ${data.kind}: session touch`, error));
          }
        }
        // uWS reuses the buffer after this call: the room copies what it keeps (Yjs does on apply).
        data.connection?.receive(new Uint8Array(message.slice(0)));
      } catch (error) {
        // The room refuses what it cannot read with its own close code; this is for what it did not foresee.
        logRefusal(`sync: ${data.kind}: message`, error);
        guard(() => ws.end(CLOSE_INTERNAL_ERROR, 'internal error'));
      }
    },
    close(ws, code) {
      const data = ws.getUserData();
      // closedWith, not `code`: the logger redacts keys ending in "code" (one-time login codes), which hid why sockets closed.
      logger.info({ sock: data.sock, kind: data.kind, closedWith: code, ms: Date.now() - data.openedAt }, 'sync socket closed');
      try {
        data.socket?.markClosed();
        const count = (socketsPerUser.get(data.userId) ?? 1) - 1;
        if (count <= 0) socketsPerUser.delete(data.userId);
        else socketsPerUser.set(data.userId, count);
        if (data.connection && data.socket) registry.leave(data.connection.room, data.socket);
      } catch (error) {
        logRefusal(`sync: ${data.kind}: close`, error);
      }
    },
  });

  app.any('/*', (res, uReq) => {
    const reply = new Reply(res, hsts, headers);
    // The access line: the route's pattern (ids stay out), never the path or the query.
    const id = nextId();
    const startedAt = performance.now();
    let method = 'UNKNOWN';
    let route = '(unread)';
    reply.header('X-Request-Id', id);
    reply.onFinished((status) => {
      logger.info({ req: id, method, route, status, ms: Math.round((performance.now() - startedAt) * 10) / 10 }, 'http');
    });
    let req: Request;
    try {
      req = readRequest(uReq);
      method = req.method;
      rememberAddress(req, res.getRemoteAddressAsText());
      if (req.method !== 'GET' && req.method !== 'HEAD') reply.readBodyEagerly(1024 * 1024);
    } catch (error) {
      logRefusal('http', error);
      guard(() => reply.error(400, error instanceof HttpError ? error.code : 'bad_request', error instanceof HttpError ? error.message : 'Requête invalide.'));
      return;
    }
    // dispatch answers every error itself; this catches a throw while answering one.
    dispatch(req, reply, (pattern) => (route = pattern)).catch((error: unknown) => {
      logRefusal('http', error);
      guard(() => reply.error(500, 'internal', 'Erreur interne du serveur. Réessayez dans un instant.'));
    });
  });

  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    // Exclusive: uWS otherwise shares a busy port (SO_REUSEPORT), and two servers on one data dir
    // would each fan out only half of a document's edits.
    const listen = app.listen.bind(app) as unknown as (
      host: string,
      port: number,
      options: number,
      cb: (token: uWS.us_listen_socket | false) => void,
    ) => void;
    listen(config.host, config.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (token) => {
      if (token) resolve(token);
      else reject(new Error(`Cannot listen on ${config.host}:${config.port}`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);
  // PORT=0 (tests) picks a free port: links built from the configuration must carry the real one.
  if (config.port === 0) ctx.config = { ...ctx.config, port };

  let closing: Promise<void> | null = null;
  return {
    port,
    registry,
    messaging: messaging.messenger,
    accessChanged: ctx.accessChanged,
    retention,
    close() {
      // Once: a second us_listen_socket_close on the same socket fails an assertion in libuv and
      // ends the process (a test's double close showed it); the second caller waits for the first.
      closing ??= (async () => {
        retention.stop();
        unwatch();
        clearInterval(sessionSweep);
        if (outboxSweep) clearInterval(outboxSweep);
        uWS.us_listen_socket_close(listenSocket);
        messaging.close();
        await registry.shutdown();
        // Presence writes gathered while the rooms closed would land in a closed registry.
        presence?.stop();
        await ctx.documents.pdf.close();
      })();
      return closing;
    },
  };
}
