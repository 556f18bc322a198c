/** When to warn that a télédossier will soon be purged (SPEC §7.3). */
export const PURGE_WARNING_DAYS = 14;

export function purgeSoon(purgeAt: string | undefined, now = Date.now()): boolean {
  if (!purgeAt) return false;
  return Date.parse(purgeAt) - now <= PURGE_WARNING_DAYS * 86_400_000;
}
