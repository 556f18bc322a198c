/**
 * The `activity/<establishmentId>` Y.Doc (SPEC §2): the live summary behind «Mes rendez-vous».
 * Written by the server only (clients open it read-only), read by every member of the
 * establishment. Pure code: no I/O.
 *
 * Layout:
 *   appointments  Y.Map  consultationId → ActivityAppointment (a plain value, replaced whole)
 *
 * Why plain values replaced whole: only the server writes, so there is no concurrent edit to merge,
 * and a client reads one consistent entry.
 */
import type * as Y from 'yjs';
import type { ClientWrites } from './clientWrites.ts';

/** Nothing: clients open it read-only, and a writer's update would be refused all the same. */
export const ACTIVITY_CLIENT_WRITES: ClientWrites = {};

export const activityDocName = (establishmentId: string): string => `activity/${establishmentId}`;

export interface ActivityAppointment {
  consultationId: string;
  patientName: string;
  /** ISO instant of the slot's start. */
  start: string;
  durationMinutes: number;
  /** 'instant': started from «Invitation téléphonique». */
  kind: 'scheduled' | 'instant';
  createdByName: string;
  /** User ids of the professionals who may open it. */
  participants: string[];
  /** Display names of who is in the call room now (professionals and guests). */
  inRoom: string[];
  /** ISO instant the room was first joined: when the call really started. */
  startedAt?: string | null;
  /** ISO instant the room last emptied; null while someone is in it. */
  endedAt?: string | null;
}

export function appointmentsOf(doc: Y.Doc): Y.Map<ActivityAppointment> {
  return doc.getMap<ActivityAppointment>('appointments');
}

export function isActivityAppointment(value: unknown): value is ActivityAppointment {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.consultationId === 'string' &&
    typeof v.patientName === 'string' &&
    typeof v.start === 'string' &&
    typeof v.durationMinutes === 'number' &&
    Array.isArray(v.participants) &&
    Array.isArray(v.inRoom)
  );
}
