import { describe, expect, it } from 'vitest';
import { AccessPolicy, type VerifiedInvitation } from './access.ts';
import type { Store } from '../store/index.ts';

const MIN = 60_000;
const start = Date.parse('2026-03-02T10:00:00Z');
const invitation: VerifiedInvitation = {
  consultationId: 'c1',
  invitationId: 'i1',
  // A 30 min slot: opens 15 min before, closes 45 min after the end.
  window: { opensAt: start - 15 * MIN, closesAt: start + 30 * MIN + 45 * MIN },
  name: 'Jeanne Dupont',
};
const policy = new AccessPolicy({} as Store, (token) => Promise.resolve(token === 'good' ? invitation : null));

describe('§6 §9 guests reach the call room only, inside its window', () => {
  it('§6 the room opens 15 min before the slot', async () => {
    expect((await policy.guestRoomAccess('good', 'c1', start - 16 * MIN))).toMatchObject({ ok: false, status: 403, message: 'La salle n’est pas encore ouverte.' });
    expect((await policy.guestRoomAccess('good', 'c1', start - 15 * MIN))).toMatchObject({ ok: true, name: 'Jeanne Dupont' });
  });

  it('§6 room stays open 45 min after the slot, then the consultation is over', async () => {
    expect((await policy.guestRoomAccess('good', 'c1', start + 75 * MIN)).ok).toBe(true);
    expect((await policy.guestRoomAccess('good', 'c1', start + 75 * MIN + 1))).toMatchObject({ ok: false, code: 'room_closed', message: 'La téléconsultation est terminée.' });
  });

  it('§9 a forged token or another consultation’s room is refused', async () => {
    expect((await policy.guestRoomAccess('forged', 'c1', start))).toMatchObject({ ok: false, status: 401 });
    expect((await policy.guestRoomAccess('good', 'c2', start))).toMatchObject({ ok: false, status: 401 });
  });

  it('§9 a guest token opens the room document read-only, and never the dossier or the activity', async () => {
    expect((await policy.guestDocAccess('good', { kind: 'room', id: 'c1' }, start))).toBe('read');
    expect((await policy.guestDocAccess('good', { kind: 'dossier', id: 'c1' }, start))).toBeNull();
    expect((await policy.guestDocAccess('good', { kind: 'activity', id: 'c1' }, start))).toBeNull();
    expect((await policy.guestDocAccess('good', { kind: 'room', id: 'c1' }, start + 2 * 60 * MIN))).toBeNull();
  });
});
