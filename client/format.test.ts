import { describe, expect, it } from 'vitest';
import { formatParisDateTime, spokenAppointment } from './format.ts';

describe('formatParisDateTime', () => {
  it('§6 shows Europe/Paris time as dd/mm/yyyy HH:mm (winter, UTC+1)', () => {
    expect(formatParisDateTime('2025-01-15T08:05:00Z')).toBe('15/01/2025 09:05');
  });
  it('§6 follows daylight saving time (summer, UTC+2)', () => {
    expect(formatParisDateTime('2025-07-01T22:30:00Z')).toBe('02/07/2025 00:30');
  });
  it('returns an empty string for an unreadable date', () => {
    expect(formatParisDateTime('not a date')).toBe('');
  });
});

describe('spokenAppointment', () => {
  const now = Date.parse('2025-06-12T06:00:00Z'); // 08:00 in Paris, Thursday 12 June
  it('§7.2 today at «10 h 30», Paris time, with French no-break spaces', () => {
    expect(spokenAppointment('2025-06-12T08:30:00Z', now, 'fr')).toEqual({ day: 'today', date: 'jeudi 12 juin', time: '10\u00a0h\u00a030' });
  });
  it('a whole hour is «9 h»; English says 09:00', () => {
    expect(spokenAppointment('2025-06-12T07:00:00Z', now, 'fr')?.time).toBe('9\u00a0h');
    expect(spokenAppointment('2025-06-12T07:00:00Z', now, 'en')?.time).toBe('09:00');
  });
  it('tomorrow, another day, another year; days are Paris days', () => {
    expect(spokenAppointment('2025-06-13T22:30:00Z', now, 'fr')).toMatchObject({ day: 'other', date: 'samedi 14 juin', time: '0\u00a0h\u00a030' });
    expect(spokenAppointment('2025-06-12T22:30:00Z', now, 'fr')).toMatchObject({ day: 'tomorrow', date: 'vendredi 13 juin' });
    expect(spokenAppointment('2026-01-05T09:00:00Z', now, 'fr')).toMatchObject({ day: 'other', date: 'lundi 5 janvier 2026', time: '10\u00a0h' });
    expect(spokenAppointment('2025-06-12T08:30:00Z', now, 'en')).toMatchObject({ date: 'Thursday 12 June', time: '10:30' });
  });
  it('null for an unreadable date', () => {
    expect(spokenAppointment('not a date', now, 'fr')).toBeNull();
  });
});
