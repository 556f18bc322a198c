import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isCallPresence, linkQuality, RoomDoc, shouldCall, videoBitrateCap } from './room.ts';

describe('§7.2 mesh rules', () => {
  it('of any two participants exactly one calls the other', () => {
    const ids = ['p0a', 'p1b', 'pff', 'p07'];
    for (const a of ids) for (const b of ids) if (a !== b) expect(shouldCall(a, b) !== shouldCall(b, a)).toBe(true);
  });

  it('outgoing video is capped at 500 kbit/s per peer and the cap drops as participants join', () => {
    expect(videoBitrateCap(2)).toBe(500_000);
    const caps = [2, 3, 4, 5].map(videoBitrateCap);
    for (let i = 1; i < caps.length; i++) expect(caps[i]!).toBeLessThan(caps[i - 1]!);
    // Five participants: four copies still fit in about 1 Mbit/s of uplink.
    expect(4 * videoBitrateCap(5)).toBeLessThanOrEqual(1_000_000);
  });

  it('connection quality from RTT and loss', () => {
    expect(linkQuality(null, null)).toBe('unknown');
    expect(linkQuality(40, 0)).toBe('good');
    expect(linkQuality(300, 0)).toBe('fair');
    expect(linkQuality(40, 0.1)).toBe('poor');
  });

  it('presence validation refuses malformed states', () => {
    const ok = { peerId: 'p1', name: 'A', kind: 'guest', muted: false, cameraOff: false, screen: false, audioOnly: false };
    expect(isCallPresence(ok)).toBe(true);
    expect(isCallPresence({ ...ok, kind: 'admin' })).toBe(false);
    expect(isCallPresence({ ...ok, muted: 'no' })).toBe(false);
    expect(isCallPresence(null)).toBe(false);
  });
});

describe('§7.1.4 room document', () => {
  it('holds the spotlight hint and the documents sent in the call', () => {
    const room = new RoomDoc(new Y.Doc());
    expect(room.spotlight()).toBeNull();
    room.setSpotlight('p1');
    expect(room.spotlight()).toBe('p1');
    room.sent.push([{ documentId: 'd1', name: 'ordonnance.pdf', size: 10, sentAt: '2025-01-01T10:00:00.000Z', sentByName: 'Dr' }]);
    expect(room.sentDocuments().map((d) => d.name)).toEqual(['ordonnance.pdf']);
    room.setSpotlight(null);
    expect(room.spotlight()).toBeNull();
  });
});
