/**
 * Consultation and its room window (SPEC §6). Pure code: no I/O.
 */

/** The room opens this long before the slot's start. */
export const ROOM_OPENS_BEFORE_MS = 15 * 60_000;
/** The room stays open this long after the slot's end. */
export const ROOM_CLOSES_AFTER_MS = 45 * 60_000;

export interface Slot {
  /** ISO 8601 instant. */
  start: string;
  durationMinutes: number;
}

export interface RoomWindow {
  opensAt: number;
  closesAt: number;
}

export function roomWindow(slot: Slot): RoomWindow {
  const start = Date.parse(slot.start);
  const end = start + slot.durationMinutes * 60_000;
  return { opensAt: start - ROOM_OPENS_BEFORE_MS, closesAt: end + ROOM_CLOSES_AFTER_MS };
}

export function consultationStatus(slot: Slot, now: number): 'scheduled' | 'ongoing' | 'ended' {
  const start = Date.parse(slot.start);
  const end = start + slot.durationMinutes * 60_000;
  if (now < start) return 'scheduled';
  if (now <= end) return 'ongoing';
  return 'ended';
}
