/**
 * Keeps the screen on during a call (Screen Wake Lock API): a phone that dims and locks after
 * 30 seconds would hide the doctor and, on some phones, stop the camera. The browser releases the
 * lock whenever the page is hidden; it is asked for again when the page is visible again. Where
 * the API is missing or refuses (no permission, low battery), the call goes on without it.
 */

export interface ScreenWakeLock {
  /** True while the browser holds a screen wake lock for the call. */
  held(): boolean;
  release(): void;
}

export function keepScreenAwake(): ScreenWakeLock {
  let sentinel: WakeLockSentinel | null = null;
  let pending = false;
  let stopped = false;

  const request = async () => {
    if (stopped || pending || (sentinel && !sentinel.released) || document.visibilityState !== 'visible') return;
    if (!('wakeLock' in navigator) || !navigator.wakeLock) return;
    pending = true;
    try {
      const lock = await navigator.wakeLock.request('screen');
      if (stopped) void lock.release().catch(() => undefined);
      else sentinel = lock;
    } catch {
      // Refused (permission, battery saver) or not allowed here: the screen may dim, the call goes on.
    } finally {
      pending = false;
    }
  };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') void request();
  };

  document.addEventListener('visibilitychange', onVisibility);
  void request();

  return {
    held: () => sentinel !== null && !sentinel.released,
    release() {
      stopped = true;
      document.removeEventListener('visibilitychange', onVisibility);
      const lock = sentinel;
      sentinel = null;
      if (lock && !lock.released) void lock.release().catch(() => undefined);
    },
  };
}
