import { describe, expect, it } from 'vitest';
import {
  isRoomOpen,
  parisWallClock,
  parisWallClockToInstant,
  readInvitationToken,
  roomWindow,
  validateCreateConsultation,
} from './consultation.ts';

const MIN = 60_000;

describe('§6 room window', () => {
  const slot = { start: '2025-06-15T08:00:00.000Z', durationMinutes: 30 };
  const start = Date.parse(slot.start);
  const w = roomWindow(slot);
  it('§6 room opens 15 min before the start', () => {
    expect(isRoomOpen(w, start - 15 * MIN - 1)).toBe(false);
    expect(isRoomOpen(w, start - 15 * MIN)).toBe(true);
  });
  it('§6 room stays open 45 min after the slot', () => {
    expect(isRoomOpen(w, start + 30 * MIN + 45 * MIN)).toBe(true);
    expect(isRoomOpen(w, start + 30 * MIN + 45 * MIN + 1)).toBe(false);
  });
});

describe('§6 times are Europe/Paris', () => {
  it('reads a Paris wall clock in summer and in winter', () => {
    expect(new Date(parisWallClockToInstant('2025-06-15', '10:00')!).toISOString()).toBe('2025-06-15T08:00:00.000Z');
    expect(new Date(parisWallClockToInstant('2025-01-15', '10:00')!).toISOString()).toBe('2025-01-15T09:00:00.000Z');
    expect(parisWallClock(Date.parse('2025-03-30T01:30:00Z'))).toEqual({ date: '2025-03-30', time: '03:30' });
  });
  it('around the spring and autumn changes', () => {
    expect(new Date(parisWallClockToInstant('2025-03-30', '01:30')!).toISOString()).toBe('2025-03-30T00:30:00.000Z');
    expect(new Date(parisWallClockToInstant('2025-03-30', '03:30')!).toISOString()).toBe('2025-03-30T01:30:00.000Z');
    expect(new Date(parisWallClockToInstant('2025-10-26', '04:00')!).toISOString()).toBe('2025-10-26T03:00:00.000Z');
  });
  it('refuses impossible dates', () => {
    expect(parisWallClockToInstant('2025-02-30', '10:00')).toBeNull();
    expect(parisWallClockToInstant('2025-06-15', '24:00')).toBeNull();
  });
});

describe('§4–§6 creation request', () => {
  const now = Date.parse('2025-06-15T08:00:00Z');
  const body = {
    patientId: 'abc',
    consent: { givenBy: 'patient', method: 'oral', givenAt: '2025-06-15T07:59:00Z' },
    patientContacts: { email: 'p@example.org', mobile: '' },
    companion: { kind: 'none' },
    slot: { mode: 'later', date: '2025-06-16', time: '14:30', durationMinutes: 45 },
    reason: 'Suivi',
  };
  it('accepts a complete request and computes the start in Paris time', () => {
    const r = validateCreateConsultation(body, now);
    expect(r).toMatchObject({ ok: true, value: { start: '2025-06-16T12:30:00.000Z' } });
  });
  it('§4 stops without consent', () => {
    const { consent: _c, ...rest } = body;
    expect(validateCreateConsultation(rest, now)).toMatchObject({ ok: false, errors: { consent: expect.any(String) as string } });
  });
  it('refuses a past slot, a bad duration and a companion without contact', () => {
    const r = validateCreateConsultation(
      { ...body, slot: { mode: 'later', date: '2025-06-14', time: '10:00', durationMinutes: 2 }, companion: { kind: 'relative', name: 'Paul', relationship: 'fils' } },
      now,
    );
    expect(r).toMatchObject({ ok: false, errors: { 'slot.date': 'Ce créneau est déjà passé.', 'slot.durationMinutes': expect.any(String) as string, 'companion.contact': expect.any(String) as string } });
  });
});

describe('invitation token format', () => {
  it('reads its claims', () => {
    const token = `v1.cons_1.inv-2.${(1000).toString(36)}.${(5000).toString(36)}.mac`;
    expect(readInvitationToken(token)).toEqual({ consultationId: 'cons_1', invitationId: 'inv-2', window: { opensAt: 1000, closesAt: 5000 } });
    expect(readInvitationToken('v2.a.b.1.2.m')).toBeNull();
    expect(readInvitationToken('v1.a.b.5.1.m')).toBeNull();
  });
});
