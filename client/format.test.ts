import { describe, expect, it } from 'vitest';
import { formatParisDateTime } from './format.ts';

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
