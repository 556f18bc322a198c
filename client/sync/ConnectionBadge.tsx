import type { Accessor } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import type { ConnectionState } from './connectionState.ts';

const LABELS: Record<ConnectionState, MessageKey> = {
  online: 'sync.online',
  syncing: 'sync.syncing',
  offline: 'sync.offline',
  refused: 'sync.refused',
};

/** «En ligne» / «Synchronisation…» / «Hors ligne», announced politely to screen readers. */
export function ConnectionBadge(props: { state: Accessor<ConnectionState> }) {
  return (
    <p class="connection-badge" data-state={props.state()} role="status" aria-live="polite">
      <span class="connection-dot" aria-hidden="true" />
      <span class="connection-label">{t(LABELS[props.state()])}</span>
    </p>
  );
}
