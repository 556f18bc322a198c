import { describe, expect, it } from 'vitest';
import { connectionState, type ConnectionFacts } from './connectionState.ts';

const base: ConnectionFacts = {
  navigatorOnline: true,
  socket: 'connected',
  synced: true,
  lastAttemptFailed: false,
  refused: false,
};

describe('connectionState', () => {
  it('§8 is online only when connected and synced', () => {
    expect(connectionState(base)).toBe('online');
    expect(connectionState({ ...base, synced: false })).toBe('syncing');
  });
  it('§8 shows offline when the browser says so, whatever the socket believes', () => {
    expect(connectionState({ ...base, navigatorOnline: false })).toBe('offline');
  });
  it('§8 shows syncing while a first connection is under way', () => {
    expect(connectionState({ ...base, socket: 'connecting', synced: false })).toBe('syncing');
  });
  it('§8 shows offline when attempts keep failing or the socket dropped', () => {
    expect(connectionState({ ...base, socket: 'connecting', synced: false, lastAttemptFailed: true })).toBe('offline');
    expect(connectionState({ ...base, socket: 'disconnected', synced: false })).toBe('offline');
  });
  it('reports a refusal from the server above everything else', () => {
    expect(connectionState({ ...base, refused: true, navigatorOnline: false })).toBe('refused');
  });
});
