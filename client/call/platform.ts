/**
 * Which phone or computer the page runs on, as far as the user agent tells: used to show only the
 * relevant steps to allow the camera (MediaHelp) — both phones' steps when it does not tell.
 */
export type Platform = 'android' | 'ios' | 'desktop' | 'unknown';

export function platformOf(userAgent: string, maxTouchPoints = 0): Platform {
  if (/Android/i.test(userAgent)) return 'android';
  if (/iPhone|iPad|iPod/i.test(userAgent)) return 'ios';
  // iPadOS Safari says «Macintosh» by default; a Mac has no touch screen.
  if (/Macintosh/i.test(userAgent) && maxTouchPoints > 1) return 'ios';
  if (/Windows NT|Macintosh|CrOS|X11|Linux x86_64/i.test(userAgent) && !/Mobile/i.test(userAgent)) return 'desktop';
  return 'unknown';
}

export function currentPlatform(): Platform {
  return typeof navigator === 'undefined' ? 'unknown' : platformOf(navigator.userAgent, navigator.maxTouchPoints);
}
