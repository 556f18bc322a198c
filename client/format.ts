/** Display formats. Times are always shown in Europe/Paris, as dd/mm/yyyy HH:mm (SPEC §6). */

const parisDateTime = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `2025-03-30T08:00:00Z` → `30/03/2025 10:00`; '' for an unreadable date. */
export function formatParisDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const parts: Record<string, string> = {};
  // Assembled from parts: the locale's own joining text differs between ICU versions.
  for (const part of parisDateTime.formatToParts(date)) parts[part.type] = part.value;
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
const parisClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const longDates = {
  fr: new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long' }),
};

/** An appointment as a patient reads it: which day, and the time in Paris. */
export interface SpokenAppointment {
  day: 'today' | 'tomorrow' | 'other';
  /** «mardi 12 juin» (with the year when it is not this year's). */
  date: string;
  /** «10 h 30», «9 h» in French; «10:30» in English. */
  time: string;
}

/**
 * `2025-06-12T08:30:00Z` seen on 12 June → today, «10 h 30» (French typography, no-break spaces),
 * as a patient would say it; null for an unreadable date. Days are Paris days.
 */
export function spokenAppointment(iso: string, now: number, lang: 'fr' | 'en'): SpokenAppointment | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const dayOf = (at: Date | number) => parisDay.format(at);
  const today = dayOf(now);
  // Noon today plus a day lands on tomorrow whatever the clock change.
  const tomorrow = dayOf(Date.parse(`${today}T12:00:00Z`) + 24 * 60 * 60_000);
  const day = dayOf(date) === today ? 'today' : dayOf(date) === tomorrow ? 'tomorrow' : 'other';
  const parts: Record<string, string> = {};
  for (const part of parisClock.formatToParts(date)) parts[part.type] = part.value;
  const hour = String(Number(parts.hour));
  const time = lang === 'fr' ? (parts.minute === '00' ? `${hour}\u00a0h` : `${hour}\u00a0h\u00a0${parts.minute}`) : `${parts.hour}:${parts.minute}`;
  const sameYear = dayOf(date).slice(0, 4) === today.slice(0, 4);
  const long = longDates[lang].format(date);
  return { day, date: sameYear ? long : `${long} ${dayOf(date).slice(0, 4)}`, time };
}
