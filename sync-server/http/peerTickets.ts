/**
 * POST /api/room/<consultationId>/peer-ticket (SPEC §7.2): a signed, expiring PeerJS id for one
 * participant of one consultation's call, with the ICE servers to use and where the peer server
 * is. Professionals ask with their session; guests with their invitation token (header
 * `Authorization: Invitation <token>`), only inside the room window (access.ts `guestRoomAccess`).
 */
import { MAX_PARTICIPANTS, type PeerTicketResponse } from '../../schema/room.ts';
import type { Config } from '../config.ts';
import { issuePeerTicket, PEER_ID } from '../auth/peerTicket.ts';
import { sharedSecret, type SharedSecretConfig } from '../auth/secrets.ts';
import { iceServersFor } from '../auth/turnCredentials.ts';
import { HttpError, type Request } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';

export const PEER_TICKET_SECRET = 'peer-ticket';

const secrets = new Map<string, Buffer>();
/**
 * The ticket key, read once per data dir (one node: a file the peer server loads too) or derived
 * from the master key (a cluster: the same on every node, so every peer server takes every ticket).
 */
export function peerTicketSecret(configOrDataDir: string | (Pick<Config, 'dataDir'> & SharedSecretConfig)): Buffer {
  const config = typeof configOrDataDir === 'string' ? { dataDir: configOrDataDir } : configOrDataDir;
  const cacheKey = `${config.dataDir}\0${config.redisUrl ?? ''}\0${config.databaseUrl ?? ''}`;
  let secret = secrets.get(cacheKey);
  if (!secret) {
    secret = sharedSecret(config, PEER_TICKET_SECRET);
    secrets.set(cacheKey, secret);
  }
  return secret;
}

/**
 * Where browsers reach the peer server. `PEER_PUBLIC_URL` (e.g. https://relais.example.fr/peerjs,
 * a reverse proxy to the peer server) wins; otherwise the page's own host name on `PEER_PORT`.
 */
export function peerServerLocation(config: Pick<Config, 'peerPublicUrl' | 'peerPort' | 'secureCookies'>): PeerTicketResponse['peerServer'] {
  if (config.peerPublicUrl) {
    const url = new URL(config.peerPublicUrl);
    const secure = url.protocol === 'https:';
    return { host: url.hostname, port: Number(url.port || (secure ? 443 : 80)), path: url.pathname.replace(/\/$/, '') || '/', secure };
  }
  return { host: null, port: config.peerPort, path: '/peerjs', secure: config.secureCookies };
}

/** CSP connect-src entries for the peer server, when it is not the page's own origin. */
export function peerConnectSources(config: Config): string[] {
  const location = peerServerLocation(config);
  const scheme = location.secure ? 'wss' : 'ws';
  if (location.host !== null) return [`${scheme}://${location.host}:${location.port}`];
  if (config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1') {
    return [`${scheme}://127.0.0.1:${location.port}`, `${scheme}://localhost:${location.port}`];
  }
  // Listening on every interface: the page may be reached under any name.
  return [`${scheme}://*:${location.port}`];
}

/** A guest's `Authorization: Invitation <token>` header. */
export const INVITATION_AUTH = /^Invitation ([A-Za-z0-9._-]{1,512})$/;

/**
 * When a room window closes, guests' sockets that are still open must go (SPEC §6, §9): their
 * access is checked again then. One timer per consultation whose guests are in the call.
 */
const windowClosings = new Map<string, ReturnType<typeof setTimeout>>();
function closeGuestsAtWindowEnd(ctx: Context, consultationId: string, closesAt: number): void {
  if (windowClosings.has(consultationId)) return;
  const timer = setTimeout(() => {
    windowClosings.delete(consultationId);
    ctx.accessChanged.consultation(consultationId);
  }, Math.max(0, closesAt - Date.now()) + 1_000);
  timer.unref();
  windowClosings.set(consultationId, timer);
}

/** The caller may see this consultation's call: a professional of it, or a guest inside the window. */
async function requireRoomMember(req: Request, ctx: Context, consultationId: string): Promise<void> {
  const invitation = INVITATION_AUTH.exec(req.headers.get('authorization') ?? '')?.[1];
  if (invitation) {
    const guest = await ctx.access.guestRoomAccess(invitation, consultationId);
    if (!guest.ok) throw new HttpError(guest.status, guest.code, guest.message);
    return;
  }
  const user = await requireUser(req, ctx);
  const consultation = await ctx.store.consultations.get(consultationId);
  if (!consultation || !ctx.access.canSeeConsultation(user, consultation)) {
    throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
  }
}

export const peerTicketHandlers: Handlers<'roomParticipants' | 'peerTicket'> = {
  // Who the peers of a call really are (names from their tickets): a page could claim any name
  // in its awareness, so tiles show these.
  async roomParticipants(req, reply, ctx) {
    const consultationId = req.params.consultationId;
    await requireRoomMember(req, ctx, consultationId);
    const peers = (req.readQuery().peers ?? '').split(',').filter((p) => PEER_ID.test(p)).slice(0, 2 * MAX_PARTICIPANTS);
    const participants: Record<string, { name: string; kind: 'professional' | 'guest' }> = {};
    const entries = await Promise.all(peers.map((peerId) => ctx.tickets.lookup(peerId, consultationId)));
    peers.forEach((peerId, i) => {
      const entry = entries[i];
      if (entry) participants[peerId] = { name: entry.name, kind: entry.kind };
    });
    reply.sendJson(200, { participants });
  },
  async peerTicket(req, reply, ctx: Context) {
    const consultationId = req.params.consultationId;
    const invitation = INVITATION_AUTH.exec(req.headers.get('authorization') ?? '')?.[1];
    let participant: { kind: 'professional' | 'guest'; id: string; name: string };
    let expiresAt: number | undefined;
    if (invitation) {
      const guest = await ctx.access.guestRoomAccess(invitation, consultationId);
      if (!guest.ok) throw new HttpError(guest.status, guest.code, guest.message);
      participant = { kind: 'guest', id: guest.invitationId, name: guest.name };
      // A guest's ticket ends with the room window (SPEC §6).
      expiresAt = guest.window.closesAt;
      closeGuestsAtWindowEnd(ctx, consultationId, guest.window.closesAt);
    } else {
      const user = await requireUser(req, ctx);
      const consultation = await ctx.store.consultations.get(consultationId);
      if (!consultation || !ctx.access.canSeeConsultation(user, consultation)) {
        throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
      }
      participant = { kind: 'professional', id: user.id, name: user.displayName };
    }
    // The mesh carries 5 participants at most (SPEC §7.2): the clients check it, and so does this
    // route, for a page that would not. Someone already in the call (a reconnecting page, a
    // second tab) is not counted twice.
    const inCall = await ctx.callParticipants(consultationId);
    if (!inCall.has(participant.id) && inCall.size >= MAX_PARTICIPANTS) {
      throw new HttpError(409, 'room_full', `La salle est complète : ${MAX_PARTICIPANTS} participants au plus.`);
    }
    const { ticket, token } = issuePeerTicket(peerTicketSecret(ctx.config), {
      consultationId,
      participant: { kind: participant.kind, id: participant.id },
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    // Recorded (on every node, in a cluster) before the page can show its peer id to anyone.
    await ctx.tickets.record(ticket, participant.name);
    const body: PeerTicketResponse = {
      peerId: ticket.peerId,
      token,
      expiresAt: ticket.expiresAt,
      iceServers: iceServersFor(ctx.config.ice, ticket.peerId),
      iceTransportPolicy: ctx.config.ice.transportPolicy,
      peerServer: peerServerLocation(ctx.config),
      participant: { name: participant.name, kind: participant.kind },
    };
    reply.sendJson(200, body);
  },
};
