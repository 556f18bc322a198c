/** Display formats of the wizard (SPEC §6: Europe/Paris, dd/mm/yyyy HH:mm). */
import { formatParisDateTime } from '../format.ts';

/** `1938-04-12` → `12/04/1938` (a birth date is a calendar date: no time zone). */
export function formatBirthDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

export const formatInstant = (ms: number): string => formatParisDateTime(new Date(ms).toISOString());
