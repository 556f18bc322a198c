/**
 * One participant's tile: their video (or their name when there is no picture), and what the
 * others must know at a glance (SPEC §7.2): microphone off, camera off, screen shared, audio only,
 * connection quality, reconnecting.
 */
import { createEffect, Show } from 'solid-js';
import type { CallPresence, LinkQuality } from '../../schema/room.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import type { RemoteStatus } from './Mesh.ts';

export interface TileProps {
  /** Peer id, or 'self'. */
  id: string;
  presence: CallPresence;
  stream: MediaStream | null;
  isSelf: boolean;
  status: RemoteStatus | 'self';
  quality: LinkQuality | null;
  selected: boolean;
  /** The tile the desktop speaker layout enlarges. */
  main: boolean;
  /** The tile a phone shows large (the others small: one's own picture in a corner). */
  stage?: boolean;
  /** Show the picture mirrored (one's own front camera). */
  mirror?: boolean;
  onSelect: () => void;
  /** Audio output chosen in the pre-join (HTMLMediaElement.setSinkId), null for the default. */
  sinkId?: string | null;
  /** Gives the layout the video element (photo, picture-in-picture). */
  ref?: (video: HTMLVideoElement) => void;
}

const QUALITY: Record<LinkQuality, MessageKey> = {
  good: 'room.quality.good',
  fair: 'room.quality.fair',
  poor: 'room.quality.poor',
  unknown: 'room.quality.unknown',
};

export function Tile(props: TileProps) {
  let video: HTMLVideoElement | undefined;
  createEffect(() => {
    const stream = props.stream;
    if (video && video.srcObject !== stream) {
      video.srcObject = stream;
      if (stream) void video.play().catch(() => undefined);
    }
  });
  createEffect(() => {
    const sink = props.sinkId;
    const el = video;
    if (sink && el?.setSinkId && !props.isSelf) void el.setSinkId(sink).catch(() => undefined);
  });
  const showsPicture = () => props.stream !== null && !props.presence.cameraOff && !props.presence.audioOnly;
  const label = () => (props.isSelf ? t('room.you', { name: props.presence.name }) : props.presence.name);

  return (
    <figure
      class="tile"
      classList={{ 'tile--selected': props.selected, 'tile--main': props.main, 'tile--stage': props.stage === true, 'tile--self': props.isSelf }}
      data-peer={props.id}
      data-testid={props.isSelf ? 'tile-self' : 'tile-remote'}
    >
      <video
        ref={(el) => {
          video = el;
          props.ref?.(el);
        }}
        autoplay
        playsinline
        // One's own voice must not come back; others' sound plays through their tile.
        muted={props.isSelf}
        classList={{ 'tile-video--hidden': !showsPicture(), 'tile-video--mirror': props.mirror ?? (props.isSelf && !props.presence.screen) }}
        aria-hidden="true"
      />
      <Show when={!showsPicture()}>
        <div class="tile-placeholder" aria-hidden="true">
          {props.presence.name.trim().charAt(0).toUpperCase() || '?'}
        </div>
      </Show>
      <figcaption class="tile-caption">
        <button type="button" class="tile-name" aria-pressed={props.selected} aria-label={t('room.tile.select', { name: label() })} onClick={() => props.onSelect()}>
          {label()}
        </button>
        <span class="tile-flags">
          <Show when={props.presence.muted}>
            <span class="tile-flag" data-flag="muted">
              {t('room.tile.muted')}
            </span>
          </Show>
          <Show when={props.presence.cameraOff}>
            <span class="tile-flag" data-flag="camera-off">
              {t('room.tile.cameraOff')}
            </span>
          </Show>
          <Show when={props.presence.screen}>
            <span class="tile-flag" data-flag="screen">
              {t('room.tile.screen')}
            </span>
          </Show>
          <Show when={props.presence.audioOnly}>
            <span class="tile-flag" data-flag="audio-only">
              {t('room.tile.audioOnly')}
            </span>
          </Show>
          <Show when={props.status === 'connecting' || props.status === 'reconnecting'}>
            <span class="tile-flag tile-flag--status" role="status">
              {t(props.status === 'connecting' ? 'room.status.connecting' : 'room.status.reconnecting')}
            </span>
          </Show>
          <Show when={props.quality}>
            {(quality) => (
              <span class="tile-quality" data-quality={quality()}>
                <span class="tile-quality-bars" aria-hidden="true" />
                <span class="visually-hidden">{t(QUALITY[quality()])}</span>
              </span>
            )}
          </Show>
        </span>
      </figcaption>
    </figure>
  );
}
