/**
 * The call room (SPEC §7.2–§7.4): the `room/<consultationId>` Y.Doc layout, the presence each
 * participant publishes in its awareness, the peer-ticket answer, and the mesh's pure rules.
 * Pure code: no I/O. The room document is the only document a guest (patient, relative) may open.
 *
 * Layout of `room/<consultationId>`:
 *   layout  Y.Map    hints shared by all: `spotlight` = peer id everyone's speaker view shows (or absent)
 *   sent    Y.Array  SentDocument entries: PDFs sent to the patient during the call (SPEC §7.1.4
 *                    case 1), metadata only; the bytes are downloaded through the documents routes.
 *                    Written by the server alone, when POST /api/room/<id>/sent has checked and
 *                    audited the send (ROOM_CLIENT_WRITES).
 *
 * Presence is not in the document: it lives in awareness (state field `call`), so that a page
 * that closes or loses the network disappears from the room by itself after the awareness timeout.
 */
import * as Y from 'yjs';
import { safeFileName } from './fileName.ts';
import type { ClientWrites } from './clientWrites.ts';

/** Professionals share layout hints; what was sent to the patient is the server's record. */
export const ROOM_CLIENT_WRITES: ClientWrites = { layout: 1 };

export const roomDocName = (consultationId: string): string => `room/${consultationId}`;

/** More participants than this and a mesh on a nursing home's line no longer holds (SPEC §7.2). */
export const MAX_PARTICIPANTS = 5;

export type ParticipantKind = 'professional' | 'guest';

/** What one participant publishes in the room's awareness under `call`. */
export interface CallPresence {
  /** PeerJS id from the participant's current ticket; null while not connected to signalling. */
  peerId: string | null;
  name: string;
  kind: ParticipantKind;
  /** «Couper le micro». */
  muted: boolean;
  /** «Désactiver la caméra». */
  cameraOff: boolean;
  /** «Partager l'écran» is on: their video is their screen. */
  screen: boolean;
  /** «Mode audio seul»: they neither send nor want video. */
  audioOnly: boolean;
}

export function isCallPresence(value: unknown): value is CallPresence {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    (v.peerId === null || typeof v.peerId === 'string') &&
    typeof v.name === 'string' &&
    (v.kind === 'professional' || v.kind === 'guest') &&
    typeof v.muted === 'boolean' &&
    typeof v.cameraOff === 'boolean' &&
    typeof v.screen === 'boolean' &&
    typeof v.audioOnly === 'boolean'
  );
}

export interface SentDocument {
  /** Document id in the télédossier (dossier `documents`). */
  documentId: string;
  name: string;
  size: number;
  /** ISO instant. */
  sentAt: string;
  sentByName: string;
}

export class RoomDoc {
  readonly layout: Y.Map<unknown>;
  readonly sent: Y.Array<SentDocument>;

  constructor(readonly doc: Y.Doc) {
    this.layout = doc.getMap('layout');
    this.sent = doc.getArray<SentDocument>('sent');
  }

  spotlight(): string | null {
    const value = this.layout.get('spotlight');
    return typeof value === 'string' ? value : null;
  }

  setSpotlight(peerId: string | null): void {
    if (peerId === null) this.layout.delete('spotlight');
    else this.layout.set('spotlight', peerId);
  }

  sentDocuments(): SentDocument[] {
    return this.sent.toArray().map((d) => ({ ...d, name: safeFileName(d.name) }));
  }
}

/** The answer of POST /api/room/<consultationId>/peer-ticket. */
export interface PeerTicketResponse {
  peerId: string;
  /** Signed ticket; PeerJS sends it as its `token`. */
  token: string;
  /** Epoch ms: ask for a new ticket before reconnecting to signalling after this. */
  expiresAt: number;
  /** RTCIceServer list; empty on one network. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** RTCConfiguration `iceTransportPolicy`: `relay` when the server says TURN only (ICE_TRANSPORT_POLICY). */
  iceTransportPolicy: 'all' | 'relay';
  /** Where the PeerJS server is; host null: the page's own host name. */
  peerServer: { host: string | null; port: number; path: string; secure: boolean };
  /** How the participant is named and what they are, for their presence. */
  participant: { name: string; kind: ParticipantKind };
}

/**
 * Who calls whom: of two participants, the one with the smaller peer id calls. Each pair is
 * called exactly once, whatever the order in which they see each other appear.
 */
export function shouldCall(myPeerId: string, otherPeerId: string): boolean {
  return myPeerId < otherPeerId;
}

/**
 * Outgoing video bitrate per peer (bit/s) for a call of `participants` people (self included).
 * A mesh sends one copy per peer, so the cap drops as people join: the uplink of a nursing home's
 * ADSL line (≈ 1 Mbit/s) still carries the whole call at 5.
 */
export function videoBitrateCap(participants: number): number {
  if (participants <= 2) return 500_000;
  if (participants === 3) return 400_000;
  if (participants === 4) return 300_000;
  return 250_000;
}

/** Captured video is about 360p: enough for a face and a wound, light for the mesh. */
export const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } } as const;

export type LinkQuality = 'good' | 'fair' | 'poor' | 'unknown';

/** Connection quality shown on a tile, from the candidate pair's RTT and inbound loss. */
export function linkQuality(rttMs: number | null, lossRatio: number | null): LinkQuality {
  if (rttMs === null && lossRatio === null) return 'unknown';
  const rtt = rttMs ?? 0;
  const loss = lossRatio ?? 0;
  if (rtt > 600 || loss > 0.08) return 'poor';
  if (rtt > 250 || loss > 0.02) return 'fair';
  return 'good';
}
