/**
 * What to do when the camera or microphone is refused, missing or busy (SPEC §7.1). A refusal is
 * explained step by step for the phone the user agent names (Android's Chrome, iPhone's Safari) or
 * for a computer; when it names none, both phones' steps are shown. «Réessayer» asks again.
 */
import { For, Show } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import type { MediaProblem } from './localMedia.ts';
import { currentPlatform, type Platform } from './platform.ts';

const HELP: Record<MediaProblem, MessageKey> = {
  denied: 'room.media.denied',
  noDevice: 'room.media.noDevice',
  inUse: 'room.media.inUse',
  insecure: 'room.media.insecure',
  other: 'room.media.other',
};

type Guide = 'android' | 'ios' | 'desktop';
const GUIDES: Record<Guide, { title: MessageKey; steps: MessageKey }> = {
  android: { title: 'room.media.denied.android', steps: 'room.media.denied.android.steps' },
  ios: { title: 'room.media.denied.ios', steps: 'room.media.denied.ios.steps' },
  desktop: { title: 'room.media.denied.desktop', steps: 'room.media.denied.desktop.steps' },
};

function guidesFor(platform: Platform): Guide[] {
  return platform === 'unknown' ? ['android', 'ios'] : [platform];
}

export function MediaHelp(props: { problem: MediaProblem | null; onRetry: () => void; platform?: Platform }) {
  const guides = () => guidesFor(props.platform ?? currentPlatform());
  return (
    <Show when={props.problem}>
      {(problem) => (
        <div class="notice media-help" role="alert">
          <p>{t(HELP[problem()])}</p>
          <Show when={problem() === 'denied'}>
            <For each={guides()}>
              {(guide) => (
                <div class="media-help-guide" data-platform={guide}>
                  <p class="media-help-title">{t(GUIDES[guide].title)}</p>
                  <ol>
                    <For each={t(GUIDES[guide].steps).split('|')}>{(step) => <li>{step}</li>}</For>
                  </ol>
                </div>
              )}
            </For>
          </Show>
          <Show when={problem() !== 'insecure'}>
            <button type="button" class="button media-help-retry" onClick={() => props.onRetry()}>
              {t('room.media.retry')}
            </button>
          </Show>
        </div>
      )}
    </Show>
  );
}
