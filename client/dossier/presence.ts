/**
 * Presence in the télédossier (SPEC §7.1.2: who is in which field), over Yjs awareness.
 * Local state: `{ user: { name, color }, field }`, `field` set on focus and cleared on blur.
 * Remote states are validated here, at the edge: a peer can publish anything.
 */
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { Awareness } from 'y-protocols/awareness';
import { isFicheField, type FicheField } from '../../schema/dossier.ts';

export interface PresenceState {
  user: { name: string; color: string };
  field: FicheField | null;
}

export interface Peer {
  clientId: number;
  name: string;
  color: string;
  field: FicheField | null;
  self: boolean;
}

const COLOR = /^#[0-9a-fA-F]{3,8}$|^(rgb|hsl)a?\([\d\s.,%]+\)$/;
const FALLBACK_COLOR = '#5b6475';

/** A peer's awareness state as Relais shows it, or null when it is not a presence state. */
export function readPresence(clientId: number, state: unknown, selfId: number): Peer | null {
  if (typeof state !== 'object' || state === null) return null;
  const user = (state as { user?: unknown }).user;
  if (typeof user !== 'object' || user === null) return null;
  const { name, color } = user as { name?: unknown; color?: unknown };
  if (typeof name !== 'string' || name.trim() === '') return null;
  const field = (state as { field?: unknown }).field;
  return {
    clientId,
    name: name.slice(0, 80),
    color: typeof color === 'string' && COLOR.test(color) ? color : FALLBACK_COLOR,
    field: isFicheField(field) ? field : null,
    self: clientId === selfId,
  };
}

/**
 * Publishes this user in `awareness` and follows everyone's presence. Must run inside a Solid
 * owner (a component): it stops following on cleanup.
 */
export function trackPresence(
  awareness: Awareness,
  me: { name: string; color: string },
): { peers: Accessor<Peer[]>; setField(field: FicheField | null): void } {
  const snapshot = (): Peer[] => {
    const peers: Peer[] = [];
    awareness.getStates().forEach((state, clientId) => {
      const peer = readPresence(clientId, state, awareness.clientID);
      if (peer) peers.push(peer);
    });
    // Yourself first, then by name: a stable order that does not jump as people type.
    return peers.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name, 'fr'));
  };

  awareness.setLocalState({ user: { name: me.name, color: me.color }, field: null } satisfies PresenceState);
  const [peers, setPeers] = createSignal<Peer[]>(snapshot());
  const onChange = () => setPeers(snapshot());
  awareness.on('change', onChange);
  onCleanup(() => awareness.off('change', onChange));

  return {
    peers,
    setField(field) {
      awareness.setLocalStateField('field', field);
    },
  };
}
