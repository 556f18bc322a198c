/** What to do when the camera or microphone is refused, missing or busy (SPEC §7.1). */
import { Show } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import type { MediaProblem } from './localMedia.ts';

const HELP: Record<MediaProblem, MessageKey> = {
  denied: 'room.media.denied',
  noDevice: 'room.media.noDevice',
  inUse: 'room.media.inUse',
  insecure: 'room.media.insecure',
  other: 'room.media.other',
};

export function MediaHelp(props: { problem: MediaProblem | null; onRetry: () => void }) {
  return (
    <Show when={props.problem}>
      {(problem) => (
        <div class="notice media-help" role="alert">
          <p>{t(HELP[problem()])}</p>
          <Show when={problem() !== 'insecure'}>
            <button type="button" class="button" onClick={() => props.onRetry()}>
              {t('room.media.retry')}
            </button>
          </Show>
        </div>
      )}
    </Show>
  );
}
