/**
 * PeerJS signalling for the video room (package `peer`, path /peerjs), admitting only peers that
 * hold a ticket the sync server signed (sync-server/auth/peerTicket.ts).
 *
 * `peer` v1.0.2 checks nothing but its shared `key`. Its `createWebSocketServer` hook lets us build
 * the `ws` server ourselves, so:
 * - `verifyClient` refuses the WebSocket upgrade (401) unless the query's `token` is a valid,
 *   unexpired ticket for the query's `id`: no socket, no realm entry, for anyone else;
 * - each admitted socket's messages are relayed only to peers of the same consultation, so a
 *   ticket for one room cannot signal into another even with a peer id learned elsewhere.
 */
import type { IncomingMessage, Server } from 'node:http';
import { PeerServer } from 'peer';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { verifyPeerTicket, type TicketRefusal } from '../sync-server/auth/peerTicket.ts';
import { createLogger, nextId, type Logger } from '../sync-server/log.ts';

export interface PeerServerHandle {
  port: number;
  close(): Promise<void>;
}

export interface PeerServerOptions {
  /** The HMAC key the sync server signs tickets with (auth/secrets.ts sharedSecret(config, 'peer-ticket'): a file per data dir, or derived from the master key in a cluster). */
  ticketSecret: Buffer;
  /** Refusals and sockets, without peer ids, consultation ids or tokens; default: stdout at info. */
  logger?: Logger;
}

export const PEER_PATH = '/peerjs';
/** Signalling sockets one server holds at most (5 per room × many rooms). */
const CONCURRENT_LIMIT = 5000;
/** A signalling message is a small JSON (SDP offers included); anything larger is not PeerJS. */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface Admitted {
  consultationId: string;
  expiresAt: number;
}

export function startPeerServer(host: string, port: number, options: PeerServerOptions): Promise<PeerServerHandle> {
  const logger = options.logger ?? createLogger({ level: 'info' });
  // Every peer id admitted and still within its ticket: where its messages may go.
  const admitted = new Map<string, Admitted>();
  let wss: WebSocketServer | null = null;

  const check = (req: IncomingMessage): { ok: true; peerId: string; consultationId: string; expiresAt: number } | { ok: false; reason: TicketRefusal } => {
    const query = new URL(req.url ?? '', 'http://peer').searchParams;
    const peerId = query.get('id') ?? '';
    const token = query.get('token') ?? '';
    if (!peerId || !token) return { ok: false, reason: 'malformed' };
    const verdict = verifyPeerTicket(options.ticketSecret, peerId, token);
    if (!verdict.ok) return verdict;
    return { ok: true, peerId, consultationId: verdict.ticket.consultationId, expiresAt: verdict.ticket.expiresAt };
  };

  const relayAllowed = (from: Admitted, raw: unknown): boolean => {
    let message: unknown;
    try {
      message = JSON.parse(String(raw));
    } catch {
      return false;
    }
    if (!message || typeof message !== 'object') return false;
    const dst = (message as { dst?: unknown }).dst;
    if (dst === undefined || dst === null || dst === '') return true; // HEARTBEAT, LEAVE of oneself
    if (typeof dst !== 'string') return false;
    const to = admitted.get(dst);
    return to !== undefined && to.consultationId === from.consultationId;
  };

  const createWebSocketServer = (wsOptions: ServerOptions): WebSocketServer => {
    wss = new WebSocketServer({
      ...wsOptions,
      maxPayload: MAX_MESSAGE_BYTES,
      verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
        let verdict: ReturnType<typeof check>;
        try {
          verdict = check(info.req);
        } catch {
          // A throw here would escape the HTTP server's upgrade event and end the process, which
          // npm start shares with the sync server.
          verdict = { ok: false, reason: 'malformed' };
        }
        if (verdict.ok) {
          done(true);
          return;
        }
        logger.info({ reason: verdict.reason }, 'peer: ticket refused');
        done(false, 401, `Ticket refused: ${verdict.reason}`);
      },
    });
    // Registered before `peer` registers its own listener, so the relay filter is in place before
    // `peer` starts reading this socket.
    wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
      const verdict = check(req);
      if (!verdict.ok) {
        socket.close(4401, 'ticket');
        return;
      }
      const from: Admitted = { consultationId: verdict.consultationId, expiresAt: verdict.expiresAt };
      admitted.set(verdict.peerId, from);
      const sock = nextId();
      const openedAt = Date.now();
      logger.info({ sock }, 'peer socket open');
      socket.once('close', (code: number) => logger.info({ sock, code, ms: Date.now() - openedAt }, 'peer socket closed'));
      const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
      socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
        if (event === 'message' && !relayAllowed(from, args[0])) return false;
        return emit(event, ...args);
      }) as typeof socket.emit;
    });
    return wss;
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [peerId, entry] of admitted) {
      // A peer keeps relaying after its ticket's end while connected; forget it an hour later.
      if (now > entry.expiresAt + 60 * 60_000) admitted.delete(peerId);
    }
  }, 60_000);
  sweep.unref();

  return new Promise((resolve, reject) => {
    const peer = PeerServer(
      {
        host,
        port,
        path: PEER_PATH,
        allow_discovery: false,
        proxied: false,
        concurrent_limit: CONCURRENT_LIMIT,
        createWebSocketServer,
      },
      (server: Server) => {
        const address = server.address();
        resolve({
          port: typeof address === 'object' && address ? address.port : port,
          close: () =>
            new Promise<void>((done) => {
              clearInterval(sweep);
              for (const client of wss?.clients ?? []) client.terminate();
              wss?.close();
              server.closeAllConnections?.();
              server.close(() => done());
            }),
        });
      },
    );
    peer.on('error', reject);
  });
}
