/** The connection badge's state, derived from the socket and the browser's network flag. */

export type ConnectionState = 'online' | 'syncing' | 'offline' | 'refused';

export interface ConnectionFacts {
  /** navigator.onLine: false is reliable, true is only a hint. */
  navigatorOnline: boolean;
  socket: 'connecting' | 'connected' | 'disconnected';
  /** The server's state has reached this copy since the socket opened. */
  synced: boolean;
  /** The last socket attempt closed before opening (server down, proxy, captive portal...). */
  lastAttemptFailed: boolean;
  /** The server closed with a 44xx code: retrying will not help (access withdrawn). */
  refused: boolean;
}

export function connectionState(facts: ConnectionFacts): ConnectionState {
  if (facts.refused) return 'refused';
  if (!facts.navigatorOnline) return 'offline';
  if (facts.socket === 'connected') return facts.synced ? 'online' : 'syncing';
  if (facts.socket === 'disconnected' || facts.lastAttemptFailed) return 'offline';
  return 'syncing';
}
