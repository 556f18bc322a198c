/**
 * How a lightweight bench client speaks to each server: the URL, the opening messages, the framing
 * of an update, and where the y-protocols message starts in what it receives. Hocuspocus prefixes
 * every message with the document name and wants an auth message first; the others speak plain
 * y-websocket; the relay forwards bytes untouched.
 */
import * as encoding from 'lib0/encoding';
import { SESSION_COOKIE } from '../../sync-server/auth/sessions.ts';
import type { TextHolder } from './yupdate.ts';

export type ServerKind = 'relais' | 'ywebsocket' | 'hocuspocus' | 'relay';

export interface Target {
  kind: ServerKind;
  port: number;
  /** Several ports (a cluster's nodes, around the proxy): client i connects to ports[i % length]. */
  ports?: number[];
  /** Relais: one session token per bench user; client i uses tokens[i % length]. */
  tokens: string[];
  /** Relais: where each document's clients type (a fiche field); the others: the root text. */
  texts?: Record<string, TextHolder>;
}

const SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const AUTH = 2;

function message(kind: ServerKind, docName: string, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  if (kind === 'hocuspocus') encoding.writeVarString(e, docName);
  write(e);
  return encoding.toUint8Array(e);
}

export function socketUrl(target: Target, docName: string, clientIndex = 0): string {
  const port = target.ports?.length ? target.ports[clientIndex % target.ports.length]! : target.port;
  const base = `ws://127.0.0.1:${port}`;
  switch (target.kind) {
    case 'relais':
      return `${base}/sync/${docName}`;
    case 'hocuspocus':
      return base;
    default:
      return `${base}/${docName}`;
  }
}

/** Headers of the upgrade: Relais takes a session token from its cookie only, as a browser sends it. */
export function socketHeaders(target: Target, clientIndex: number): Record<string, string> {
  if (target.kind !== 'relais') return {};
  return { Cookie: `${SESSION_COOKIE}=${target.tokens[clientIndex % target.tokens.length]}` };
}

/** Sent on open: (Hocuspocus: auth, then) sync step 1 with an empty state vector. */
export function openingMessages(kind: ServerKind, docName: string): Uint8Array[] {
  const step1 = message(kind, docName, (e) => {
    encoding.writeVarUint(e, SYNC);
    encoding.writeVarUint(e, STEP1);
    encoding.writeVarUint8Array(e, new Uint8Array([0]));
  });
  if (kind !== 'hocuspocus') return kind === 'relay' ? [] : [step1];
  const auth = message(kind, docName, (e) => {
    encoding.writeVarUint(e, AUTH);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, 'bench');
  });
  return [auth, step1];
}

/** Answer to the server's sync step 1: we hold nothing it lacks. */
export function emptyStep2(kind: ServerKind, docName: string): Uint8Array {
  return message(kind, docName, (e) => {
    encoding.writeVarUint(e, SYNC);
    encoding.writeVarUint(e, STEP2);
    encoding.writeVarUint8Array(e, new Uint8Array([0, 0]));
  });
}

export function frameUpdate(kind: ServerKind, docName: string, update: Uint8Array): Uint8Array {
  return message(kind, docName, (e) => {
    encoding.writeVarUint(e, SYNC);
    encoding.writeVarUint(e, UPDATE);
    encoding.writeVarUint8Array(e, update);
  });
}

export const SyncStep = { Step1: STEP1, Step2: STEP2, Update: UPDATE } as const;
