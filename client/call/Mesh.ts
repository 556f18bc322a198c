/**
 * The PeerJS mesh of one call room (SPEC §7.2).
 *
 * - Signalling: our own peer server, entered with a ticket from POST /api/room/<id>/peer-ticket.
 * - Presence: each participant publishes `call` (schema/room.ts CallPresence) in the room's
 *   awareness; whoever appears there with a peer id is called by the side whose id sorts first
 *   (`shouldCall`), once per pair; whoever disappears (left, closed the page, lost the network
 *   long enough for the awareness timeout) is hung up and removed.
 * - Streams: PeerJS fires `stream` once per track; a tile keeps one stream, told apart by id.
 * - Recovery without the user: ICE `disconnected` for a few seconds or `failed` closes that call
 *   and the caller calls again with backoff (PeerJS cannot renegotiate, so an ICE restart on the
 *   same connection is not available: a new call is the restart); a lost signalling socket
 *   reconnects, with a fresh ticket when the old one expired.
 * - Bandwidth: video capped per peer (bandwidth.ts), lower as people join; «Mode audio seul» stops
 *   sending video and asks the others to stop sending theirs. On a line too weak for video the page
 *   turns it on by itself and says so, and turns video back on when the line recovers (adaptive.ts).
 */
import Peer, { type MediaConnection } from 'peerjs';
import { apiCall } from '../apiCall.ts';
import type { Awareness } from 'y-protocols/awareness';
import {
  isCallPresence,
  linkQuality,
  MAX_PARTICIPANTS,
  shouldCall,
  videoBitrateCap,
  type CallPresence,
  type LinkQuality,
  type PeerTicketResponse,
} from '../../schema/room.ts';
import { applyVideoCap, audioSender, videoSender } from './bandwidth.ts';
import { combineLinks, decide, initialAdaptive, userChoseAudioOnly, type LinkSample } from './adaptive.ts';
import { isPlaceholder, type LocalMedia } from './localMedia.ts';
import type { CallAuth } from './openRoom.ts';

export type RemoteStatus = 'connecting' | 'connected' | 'reconnecting';

export interface RemoteParticipant {
  peerId: string;
  presence: CallPresence;
  /** The name on their peer ticket (from the server), null until known: what their tile shows. */
  verifiedName: string | null;
  stream: MediaStream | null;
  status: RemoteStatus;
  quality: LinkQuality;
  /** Frames decoded from them so far (getStats), for the tests and the bench. */
  framesDecoded: number;
  /** Bits per second we send them (video + audio), from getStats. */
  sendBitrate: number;
}

export type MeshState = 'starting' | 'joined' | 'full' | 'refused' | 'left';

/**
 * What the page should tell the user about its line: `weak`, video cut by itself to keep the
 * sound; `recovered`, video back by itself.
 */
export type LinkNotice = 'weak' | 'recovered';

/** How long ICE may stay `disconnected` before the call is replaced. */
const ICE_GRACE_MS = 4_000;
const STATS_EVERY_MS = 2_000;
const MAX_BACKOFF_MS = 8_000;

interface Link {
  call: MediaConnection;
  graceTimer: ReturnType<typeof setTimeout> | null;
  lastBytesSent: number;
  lastStatsAt: number;
  lastPacketsLost: number;
  lastPacketsReceived: number;
  lastVideoBytesSent: number;
}

export interface MeshOptions {
  consultationId: string;
  auth: CallAuth;
  awareness: Awareness;
  local: LocalMedia;
  /** Called after every change of the participants or of their media. */
  onChange: () => void;
  /** Called when the page goes audio-only by itself on a weak line, or brings video back. */
  onLinkNotice?: (notice: LinkNotice) => void;
}

export class Mesh {
  state: MeshState = 'starting';
  refusal: string | null = null;
  /** False until the peer server admits us, and while its socket is lost (the page shows «Connexion perdue»). */
  signallingUp = false;
  readonly remotes = new Map<string, RemoteParticipant>();
  self: CallPresence;
  /** The video track we send: the camera's, a screen's, or the black placeholder. */
  private outgoingVideo: MediaStreamTrack;
  private screenTrack: MediaStreamTrack | null = null;
  private peer: Peer | null = null;
  private ticket: PeerTicketResponse | null = null;
  private readonly links = new Map<string, Link>();
  private readonly backoff = new Map<string, number>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private destroyed = false;
  private adaptive = initialAdaptive();
  /** The last notice about the line (null once the user chose by hand). */
  linkNotice: LinkNotice | null = null;

  constructor(private readonly options: MeshOptions) {
    const local = options.local;
    this.outgoingVideo = local.stream.getVideoTracks()[0] as MediaStreamTrack;
    this.self = {
      peerId: null,
      name: '',
      kind: options.auth.kind === 'session' ? 'professional' : 'guest',
      // Without a microphone (refused, missing) nothing is heard: the others see «Micro coupé».
      muted: local.microphone === null,
      cameraOff: local.camera === null,
      screen: false,
      audioOnly: false,
    };
    options.awareness.on('change', this.onAwareness);
    window.addEventListener('online', this.onOnline);
  }

  /** Asks for a ticket and enters signalling; presence is published once the peer server admits us. */
  async start(): Promise<void> {
    if (this.othersInCall().length >= MAX_PARTICIPANTS - 1) {
      this.state = 'full';
      this.options.onChange();
      return;
    }
    const ticket = await this.fetchTicket();
    if (!ticket || this.destroyed) return;
    this.self = { ...this.self, name: ticket.participant.name, kind: ticket.participant.kind };
    this.connectSignalling(ticket);
    this.statsTimer = setInterval(() => void this.readStats(), STATS_EVERY_MS);
  }

  private async fetchTicket(): Promise<PeerTicketResponse | null> {
    const result = await apiCall('peerTicket', { params: { consultationId: this.options.consultationId }, headers: this.authHeaders() });
    if (result.ok) return result.value;
    // Offline: the `online` event tries again.
    if (result.kind === 'network') return null;
    this.state = 'refused';
    this.refusal = result.message;
    this.options.onChange();
    return null;
  }

  /** A guest proves its invitation on every call room route. */
  private authHeaders(): Record<string, string> {
    return this.options.auth.kind === 'invitation' ? { Authorization: `Invitation ${this.options.auth.token}` } : {};
  }

  private connectSignalling(ticket: PeerTicketResponse): void {
    this.ticket = ticket;
    const peer = new Peer(ticket.peerId, {
      host: ticket.peerServer.host ?? location.hostname,
      port: ticket.peerServer.port,
      path: ticket.peerServer.path,
      secure: ticket.peerServer.secure,
      token: ticket.token,
      config: { iceServers: ticket.iceServers, iceTransportPolicy: ticket.iceTransportPolicy },
      debug: 0,
    });
    this.peer = peer;
    peer.on('open', (id) => {
      if (this.destroyed) return;
      if (this.state !== 'joined' && this.othersInCall().length >= MAX_PARTICIPANTS) {
        this.state = 'full';
        peer.destroy();
        this.options.onChange();
        return;
      }
      this.state = 'joined';
      this.signallingUp = true;
      this.publish({ peerId: id });
      this.reconcile();
    });
    peer.on('call', (call) => this.onIncoming(call));
    peer.on('disconnected', () => {
      if (this.destroyed) return;
      this.signallingUp = false;
      this.options.onChange();
      setTimeout(() => this.reconnectSignalling(), 1_000);
    });
    peer.on('error', (error) => {
      // An unreachable peer is one who just left: presence will drop them.
      if (error.type === 'peer-unavailable' || this.destroyed) return;
      if (peer.destroyed || peer.disconnected) {
        this.signallingUp = false;
        this.options.onChange();
      }
      if (peer.destroyed) setTimeout(() => void this.renewSignalling(), 2_000);
    });
  }

  private reconnectSignalling(): void {
    const peer = this.peer;
    if (this.destroyed || this.state === 'full' || !peer || peer.destroyed || !peer.disconnected) return;
    if (this.ticket && Date.now() < this.ticket.expiresAt - 5_000) peer.reconnect();
    else void this.renewSignalling();
  }

  /** A new ticket and a new peer id; calls in progress keep their media until replaced. */
  private async renewSignalling(): Promise<void> {
    if (this.destroyed || this.state === 'full' || this.state === 'refused') return;
    if (this.peer && !this.peer.destroyed && !this.peer.disconnected) return;
    const ticket = await this.fetchTicket();
    if (!ticket || this.destroyed) return;
    this.peer?.destroy();
    for (const peerId of [...this.links.keys()]) this.hangUp(peerId);
    this.connectSignalling(ticket);
  }

  private readonly onOnline = (): void => {
    if (this.destroyed) return;
    if (!this.peer) void this.start();
    else this.reconnectSignalling();
  };

  private publish(patch: Partial<CallPresence>): void {
    this.self = { ...this.self, ...patch };
    if (this.self.peerId) this.options.awareness.setLocalStateField('call', this.self);
    this.options.onChange();
  }

  private othersInCall(): CallPresence[] {
    const out: CallPresence[] = [];
    for (const [clientId, state] of this.options.awareness.getStates()) {
      if (clientId === this.options.awareness.clientID) continue;
      const call = (state as { call?: unknown }).call;
      if (isCallPresence(call) && call.peerId && call.peerId !== this.self.peerId) out.push(call);
    }
    return out;
  }

  private readonly onAwareness = (): void => {
    if (!this.destroyed && this.state === 'joined') this.reconcile();
  };

  /** Brings calls in line with presence: call the newcomers we should call, drop the departed. */
  private reconcile(): void {
    const me = this.self.peerId;
    if (!me) return;
    const present = new Map(this.othersInCall().map((p) => [p.peerId as string, p]));
    for (const peerId of [...this.remotes.keys()]) {
      if (!present.has(peerId)) {
        this.hangUp(peerId);
        this.remotes.delete(peerId);
        this.backoff.delete(peerId);
      }
    }
    let audioOnlyChanged = false;
    for (const [peerId, presence] of present) {
      const remote = this.remotes.get(peerId);
      if (remote) {
        if (remote.presence.audioOnly !== presence.audioOnly) audioOnlyChanged = true;
        remote.presence = presence;
      } else {
        this.remotes.set(peerId, { peerId, presence, verifiedName: null, stream: null, status: 'connecting', quality: 'unknown', framesDecoded: 0, sendBitrate: 0 });
      }
      if (!this.links.has(peerId) && !this.retryTimers.has(peerId) && shouldCall(me, peerId)) this.callOut(peerId);
    }
    if (audioOnlyChanged) this.refreshSenders();
    this.applyCaps();
    void this.verifyNames();
    this.options.onChange();
  }

  private readonly verifying = new Set<string>();

  /** Asks the server who the new peers are (a page could claim any name in its awareness). */
  private async verifyNames(): Promise<void> {
    const unknown = [...this.remotes.values()].filter((r) => r.verifiedName === null && !this.verifying.has(r.peerId)).map((r) => r.peerId);
    if (unknown.length === 0) return;
    for (const peerId of unknown) this.verifying.add(peerId);
    try {
      const result = await apiCall('roomParticipants', {
        params: { consultationId: this.options.consultationId },
        query: { peers: unknown.join(',') },
        headers: this.authHeaders(),
      });
      // Offline or refused: asked again at the next presence change.
      if (!result.ok) return;
      for (const [peerId, participant] of Object.entries(result.value.participants)) {
        const remote = this.remotes.get(peerId);
        if (remote) remote.verifiedName = participant.name;
      }
      this.options.onChange();
    } catch {
      // Offline: asked again at the next presence change.
    } finally {
      for (const peerId of unknown) this.verifying.delete(peerId);
    }
  }

  private callOut(peerId: string): void {
    if (!this.peer || this.peer.disconnected || this.destroyed) return;
    const call = this.peer.call(peerId, this.options.local.stream, { metadata: { v: 1 } });
    if (!call) return;
    this.adopt(peerId, call);
  }

  private onIncoming(call: MediaConnection): void {
    if (this.destroyed) {
      call.close();
      return;
    }
    // A second call from the same peer replaces the first (they are recovering).
    if (this.links.has(call.peer)) this.hangUp(call.peer);
    call.answer(this.options.local.stream);
    this.adopt(call.peer, call);
  }

  private adopt(peerId: string, call: MediaConnection): void {
    const link: Link = { call, graceTimer: null, lastBytesSent: 0, lastStatsAt: 0, lastPacketsLost: 0, lastPacketsReceived: 0, lastVideoBytesSent: 0 };
    this.links.set(peerId, link);
    const remote = this.remotes.get(peerId);
    if (remote && remote.status !== 'connecting') remote.status = 'reconnecting';
    call.on('stream', (stream) => {
      const r = this.remotes.get(peerId);
      if (!r || r.stream?.id === stream.id) return;
      r.stream = stream;
      this.options.onChange();
    });
    call.on('close', () => this.onLinkClosed(peerId, call));
    call.on('error', () => this.onLinkClosed(peerId, call));
    const pc = call.peerConnection as RTCPeerConnection | undefined;
    pc?.addEventListener('iceconnectionstatechange', () => this.onIceState(peerId, link, pc));
    this.options.onChange();
  }

  private onIceState(peerId: string, link: Link, pc: RTCPeerConnection): void {
    const remote = this.remotes.get(peerId);
    const state = pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') {
      if (link.graceTimer) clearTimeout(link.graceTimer);
      link.graceTimer = null;
      this.backoff.delete(peerId);
      if (remote) remote.status = 'connected';
      this.refreshSenders();
      this.applyCaps();
    } else if (state === 'disconnected') {
      if (remote) remote.status = 'reconnecting';
      link.graceTimer ??= setTimeout(() => {
        if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') link.call.close();
      }, ICE_GRACE_MS);
    }
    this.options.onChange();
  }

  private onLinkClosed(peerId: string, call: MediaConnection): void {
    const link = this.links.get(peerId);
    if (!link || link.call !== call) return;
    if (link.graceTimer) clearTimeout(link.graceTimer);
    this.links.delete(peerId);
    const remote = this.remotes.get(peerId);
    if (!remote || this.destroyed) return;
    remote.status = 'reconnecting';
    this.options.onChange();
    if (this.self.peerId && shouldCall(this.self.peerId, peerId)) {
      const wait = this.backoff.get(peerId) ?? 500;
      this.backoff.set(peerId, Math.min(wait * 2, MAX_BACKOFF_MS));
      this.retryTimers.set(
        peerId,
        setTimeout(() => {
          this.retryTimers.delete(peerId);
          if (this.remotes.has(peerId) && !this.links.has(peerId)) this.callOut(peerId);
        }, wait),
      );
    }
  }

  private hangUp(peerId: string): void {
    const timer = this.retryTimers.get(peerId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(peerId);
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    if (link.graceTimer) clearTimeout(link.graceTimer);
    link.call.close();
  }

  /** Participants in the call, self included. */
  participantCount(): number {
    return this.remotes.size + 1;
  }

  private applyCaps(): void {
    const cap = videoBitrateCap(this.participantCount());
    for (const link of this.links.values()) {
      const pc = link.call.peerConnection as RTCPeerConnection | undefined;
      if (pc) void applyVideoCap(pc, cap, this.screenTrack !== null).catch(() => undefined);
    }
  }

  /** Puts the right video track on every connection: none to whoever (or when we) chose audio only. */
  private refreshSenders(): void {
    for (const [peerId, link] of this.links) {
      const pc = link.call.peerConnection as RTCPeerConnection | undefined;
      const sender = pc ? videoSender(pc) : null;
      if (!sender) continue;
      const wantsNone = this.self.audioOnly || this.remotes.get(peerId)?.presence.audioOnly === true;
      const track = wantsNone ? null : this.outgoingVideo;
      if (sender.track !== track) void sender.replaceTrack(track).catch(() => undefined);
    }
  }

  /* ------------------------------------------------------------------ controls */

  setMuted(muted: boolean): void {
    const microphone = this.options.local.microphone;
    if (!microphone && !muted) return;
    if (microphone) microphone.enabled = !muted;
    this.publish({ muted });
  }

  setCameraOff(off: boolean): void {
    const camera = this.options.local.camera;
    if (!camera && !off) return;
    if (camera) camera.enabled = !off;
    this.publish({ cameraOff: off });
  }

  /** «Mode audio seul» / «Revenir à la vidéo» by the user: their choice wins over the automatic one. */
  setAudioOnly(audioOnly: boolean): void {
    this.adaptive = userChoseAudioOnly(this.adaptive, audioOnly, performance.now());
    this.linkNotice = null;
    this.applyAudioOnly(audioOnly);
  }

  /** Audio-only because the line is too weak for video (adaptive.ts), not by the user's choice. */
  get autoAudioOnly(): boolean {
    return this.adaptive.auto;
  }

  private applyAudioOnly(audioOnly: boolean): void {
    this.self = { ...this.self, audioOnly };
    this.refreshSenders();
    this.publish({ audioOnly });
  }

  /** «Partager l'écran»: the screen replaces the camera on every connection until stopped. */
  async startScreenShare(): Promise<boolean> {
    if (!navigator.mediaDevices?.getDisplayMedia) return false;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
    } catch {
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return false;
    this.screenTrack = track;
    track.addEventListener('ended', () => this.stopScreenShare());
    this.setOutgoingVideo(track);
    this.publish({ screen: true });
    this.applyCaps();
    return true;
  }

  stopScreenShare(): void {
    if (!this.screenTrack) return;
    this.screenTrack.stop();
    this.screenTrack = null;
    this.setOutgoingVideo(this.options.local.stream.getVideoTracks()[0] as MediaStreamTrack);
    this.publish({ screen: false });
    this.applyCaps();
  }

  /**
   * «Changer de caméra»: the new camera's track replaces the old one in the outgoing stream and,
   * unless the screen is shared, on every connection's video sender (RTCRtpSender.replaceTrack:
   * no renegotiation, the others keep the same call). The old track is the caller's to stop.
   */
  replaceCamera(track: MediaStreamTrack): void {
    const local = this.options.local;
    const previous = local.stream.getVideoTracks()[0];
    if (previous && previous !== track) {
      local.stream.removeTrack(previous);
      if (isPlaceholder(previous)) previous.stop();
    }
    if (!local.stream.getVideoTracks().includes(track)) local.stream.addTrack(track);
    local.camera = track;
    track.enabled = !this.self.cameraOff;
    if (!this.screenTrack) this.setOutgoingVideo(track);
    this.options.onChange();
  }

  /**
   * A microphone allowed during the call («Réessayer» after a refusal): its track replaces the
   * silent one in the outgoing stream and on every connection's audio sender, without renegotiation.
   */
  replaceMicrophone(track: MediaStreamTrack): void {
    const local = this.options.local;
    const previous = local.stream.getAudioTracks()[0];
    if (previous && previous !== track) {
      local.stream.removeTrack(previous);
      previous.stop();
    }
    if (!local.stream.getAudioTracks().includes(track)) local.stream.addTrack(track);
    local.microphone = track;
    track.enabled = !this.self.muted;
    for (const link of this.links.values()) {
      const pc = link.call.peerConnection as RTCPeerConnection | undefined;
      const sender = pc ? audioSender(pc) : null;
      if (sender && sender.track !== track) void sender.replaceTrack(track).catch(() => undefined);
    }
    this.options.onChange();
  }

  /** The track shown in our own tile. */
  localVideoTrack(): MediaStreamTrack {
    return this.outgoingVideo;
  }

  private setOutgoingVideo(track: MediaStreamTrack): void {
    this.outgoingVideo = track;
    this.refreshSenders();
  }

  /** The RTCPeerConnection with one participant (tests read its senders' parameters). */
  connectionWith(peerId: string): RTCPeerConnection | null {
    return this.links.get(peerId)?.call.peerConnection ?? null;
  }

  /* ------------------------------------------------------------------ stats */

  private async readStats(): Promise<void> {
    const now = performance.now();
    const samples: LinkSample[] = [];
    for (const [peerId, link] of this.links) {
      const pc = link.call.peerConnection as RTCPeerConnection | undefined;
      const remote = this.remotes.get(peerId);
      if (!pc || !remote) continue;
      // A connection can end without PeerJS noticing (closed under it, failed while hidden).
      if (pc.connectionState === 'closed' || pc.connectionState === 'failed') {
        link.call.close();
        this.onLinkClosed(peerId, link.call);
        continue;
      }
      let rtt: number | null = null;
      let lost = 0;
      let received = 0;
      let frames = 0;
      let bytesSent = 0;
      let videoBytesSent = 0;
      let bandwidthLimited = false;
      let outgoingBitrate: number | null = null;
      try {
        const report = await pc.getStats();
        report.forEach((s: RTCStats & Record<string, unknown>) => {
          if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime * 1000;
          if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') outgoingBitrate = s.availableOutgoingBitrate;
          if (s.type === 'inbound-rtp') {
            lost += Number(s.packetsLost ?? 0);
            received += Number(s.packetsReceived ?? 0);
            if (s.kind === 'video') frames += Number(s.framesDecoded ?? 0);
          }
          if (s.type === 'outbound-rtp') bytesSent += Number(s.bytesSent ?? 0);
          if (s.type === 'outbound-rtp' && s.kind === 'video') {
            videoBytesSent += Number(s.bytesSent ?? 0);
            if (s.qualityLimitationReason === 'bandwidth') bandwidthLimited = true;
          }
        });
      } catch {
        continue;
      }
      const dLost = lost - link.lastPacketsLost;
      const dReceived = received - link.lastPacketsReceived;
      const loss = dLost + dReceived > 0 ? Math.max(0, dLost) / (dLost + dReceived) : null;
      if (link.lastStatsAt > 0) remote.sendBitrate = Math.round(((bytesSent - link.lastBytesSent) * 8 * 1000) / (now - link.lastStatsAt));
      link.lastBytesSent = bytesSent;
      link.lastStatsAt = now;
      link.lastPacketsLost = lost;
      link.lastPacketsReceived = received;
      samples.push({
        outgoingBitrate: outgoingBitrate,
        loss,
        rttMs: rtt,
        videoSent: videoBytesSent > link.lastVideoBytesSent,
        bandwidthLimited,
        videoReceived: frames > remote.framesDecoded,
      });
      link.lastVideoBytesSent = videoBytesSent;
      remote.framesDecoded = frames;
      remote.quality = linkQuality(rtt, loss);
    }
    this.adapt(samples, now);
    this.options.onChange();
  }

  /** Goes audio-only by itself on a line too weak for video, and back when it recovered. */
  private adapt(samples: LinkSample[], now: number): void {
    if (this.destroyed || this.self.screen) return;
    const { state, action } = decide(this.adaptive, combineLinks(samples), now, this.self.audioOnly);
    this.adaptive = state;
    if (action === 'none') return;
    this.linkNotice = action === 'audio-only' ? 'weak' : 'recovered';
    this.applyAudioOnly(action === 'audio-only');
    this.options.onLinkNotice?.(this.linkNotice);
  }

  /** «Quitter la salle». */
  leave(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.state = 'left';
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    for (const peerId of [...this.links.keys()]) this.hangUp(peerId);
    this.options.awareness.off('change', this.onAwareness);
    window.removeEventListener('online', this.onOnline);
    this.options.awareness.setLocalStateField('call', null);
    this.peer?.destroy();
    this.screenTrack?.stop();
    this.remotes.clear();
    this.options.onChange();
  }

  /** True when the track we show is a real picture (not the black placeholder). */
  hasPicture(): boolean {
    return !isPlaceholder(this.outgoingVideo) && !this.self.cameraOff;
  }

  /** For tests and diagnostics: the audio sender towards one participant. */
  audioSenderTo(peerId: string): RTCRtpSender | null {
    const pc = this.connectionWith(peerId);
    return pc ? audioSender(pc) : null;
  }
}
