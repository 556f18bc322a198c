import { describe, expect, it } from 'vitest';
import { purgeDate } from './retention.ts';
import { purgeSoon } from '../../client/dossier/purge.ts';

describe('§7.3 retention dates', () => {
  it('a dossier is purged the retention period after the end of its slot (90 days by default)', () => {
    const c = { start: '2026-01-10T09:00:00.000Z', durationMinutes: 30 };
    expect(purgeDate(c, undefined).toISOString()).toBe('2026-04-10T09:30:00.000Z');
    expect(purgeDate(c, { retentionDays: 30 }).toISOString()).toBe('2026-02-09T09:30:00.000Z');
  });

  it('the activity view warns 14 days before, not earlier', () => {
    const purgeAt = '2026-04-10T09:30:00.000Z';
    expect(purgeSoon(purgeAt, Date.parse('2026-03-27T09:31:00.000Z'))).toBe(true);
    expect(purgeSoon(purgeAt, Date.parse('2026-03-27T09:29:00.000Z'))).toBe(false);
    expect(purgeSoon(undefined)).toBe(false);
  });
});
