import { describe, expect, it } from 'vitest';
import { consultationStatus } from './consultation.ts';

const START = Date.parse('2026-03-10T09:00:00Z');
const MIN = 60_000;
const slot = { start: new Date(START).toISOString(), durationMinutes: 30 };
const END = START + 30 * MIN;

describe('§2 the consultation status follows who is in the room', () => {
  it('scheduled before the slot while nobody is in the room', () => {
    expect(consultationStatus(slot, START - 10 * MIN, [])).toBe('scheduled');
    expect(consultationStatus(slot, START - 1, 0)).toBe('scheduled');
  });

  it('ongoing as soon as someone is in the room, even before the slot, once the room is open (15 min before)', () => {
    expect(consultationStatus(slot, START - 15 * MIN, ['Dr Claire Martin'])).toBe('ongoing');
    expect(consultationStatus(slot, START - 5 * MIN, 1)).toBe('ongoing');
  });

  it('someone in the room before it opens does not make it ongoing', () => {
    expect(consultationStatus(slot, START - 15 * MIN - 1, ['Dr Claire Martin'])).toBe('scheduled');
  });

  it('ongoing while the slot runs, edges included, even with nobody in the room', () => {
    expect(consultationStatus(slot, START, [])).toBe('ongoing');
    expect(consultationStatus(slot, END, [])).toBe('ongoing');
  });

  it('still ongoing after the slot while someone is in the open room', () => {
    expect(consultationStatus(slot, END + 20 * MIN, ['Sophie Bernard (IDE)'])).toBe('ongoing');
    expect(consultationStatus(slot, END + 45 * MIN, 1)).toBe('ongoing');
  });

  it('ended once the slot is over and the room is empty, or the room has closed', () => {
    expect(consultationStatus(slot, END + 1, [])).toBe('ended');
    expect(consultationStatus(slot, END + 45 * MIN + 1, ['Sophie Bernard (IDE)'])).toBe('ended');
  });

  it('without presence known, the slot alone decides', () => {
    expect(consultationStatus(slot, START - MIN)).toBe('scheduled');
    expect(consultationStatus(slot, END + 1)).toBe('ended');
  });
});
