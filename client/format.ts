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
