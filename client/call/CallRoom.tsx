/**
 * The call itself (SPEC §7.2): tiles in the chosen layout and the control bar. Used by the
 * consultation page (professionals) and the join page (guests), once the participant has chosen
 * to enter; it owns the mesh and ends it on «Quitter la salle» or when the page goes.
 */
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { CallPresence } from '../../schema/room.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import type { LocalMedia } from './localMedia.ts';
import { Mesh, type RemoteParticipant } from './Mesh.ts';
import type { CallAuth, OpenedRoom } from './openRoom.ts';
import { capturePhoto } from './photo.ts';
import { popOutVideo } from './popOut.ts';
import { InviteDialog } from './InviteDialog.tsx';
import { Icon, type IconName } from './icons.tsx';
import { Tile } from './Tile.tsx';
import './call.css';

export type Layout = 'grid' | 'speaker' | 'hidden';
const NEXT_LAYOUT: Record<Layout, Layout> = { grid: 'speaker', speaker: 'hidden', hidden: 'grid' };
const LAYOUT_NAME: Record<Layout, MessageKey> = { grid: 'room.layout.grid', speaker: 'room.layout.speaker', hidden: 'room.layout.hidden' };

export interface CallRoomProps {
  consultationId: string;
  auth: CallAuth;
  room: OpenedRoom;
  local: LocalMedia;
  /** Professionals take photos into the dossier and invite; guests do not. */
  professional: boolean;
  /** Audio output chosen in the pre-join, for the others' voices. */
  speakerId?: string | null;
  onLeft: () => void;
}

interface TileView {
  id: string;
  presence: CallPresence;
  stream: MediaStream | null;
  remote: RemoteParticipant | null;
}

/** Window handle for the end-to-end tests and diagnostics: the mesh of the page's call. */
declare global {
  interface Window {
    relaisCall?: Mesh;
  }
}

export function CallRoom(props: CallRoomProps) {
  const mesh = new Mesh({
    consultationId: props.consultationId,
    auth: props.auth,
    awareness: props.room.awareness,
    local: props.local,
    onChange: () => setVersion((v) => v + 1),
    // A weak line: the page went audio-only by itself, or video came back (adaptive.ts).
    onLinkNotice: (linkNotice) => say(t(linkNotice === 'weak' ? 'room.weakLine.audioOnly' : 'room.weakLine.recovered')),
  });
  window.relaisCall = mesh;
  const [version, setVersion] = createSignal(0);
  const [layout, setLayout] = createSignal<Layout>('grid');
  const [selected, setSelected] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [inviting, setInviting] = createSignal(false);
  const videos = new Map<string, HTMLVideoElement>();
  const localStream = () => {
    version();
    return new MediaStream([mesh.localVideoTrack()]);
  };
  let selfStream: MediaStream | null = null;
  const selfView = () => {
    version();
    const track = mesh.localVideoTrack();
    if (!selfStream || selfStream.getVideoTracks()[0] !== track) selfStream = localStream();
    return selfStream;
  };

  const self = () => {
    version();
    return mesh.self;
  };
  const meshState = () => {
    version();
    return mesh.state;
  };
  const tiles = (): TileView[] => {
    version();
    // The name shown is the one on their ticket, once the server said it.
    const remotes = [...mesh.remotes.values()].map((r) => ({
      id: r.peerId,
      presence: r.verifiedName === null ? r.presence : { ...r.presence, name: r.verifiedName },
      stream: r.stream,
      remote: r,
    }));
    return [{ id: 'self', presence: mesh.self, stream: selfView(), remote: null }, ...remotes];
  };
  /** The tile the speaker view enlarges and the photo captures: the chosen one, else the spotlight, else the first other. */
  const mainId = (): string => {
    const all = tiles();
    const chosen = selected();
    if (chosen && all.some((tile) => tile.id === chosen)) return chosen;
    const spotlight = props.room.room.spotlight();
    if (spotlight && all.some((tile) => tile.id === spotlight)) return spotlight;
    return all[1]?.id ?? 'self';
  };
  const visibleTiles = () => {
    const all = tiles();
    if (layout() === 'hidden') return all.filter((tile) => tile.id === mainId());
    if (layout() === 'speaker') {
      const main = all.find((tile) => tile.id === mainId());
      return main ? [main, ...all.filter((tile) => tile !== main)] : all;
    }
    return all;
  };

  const say = (message: string) => {
    setNotice(message);
  };

  const toggleMute = () => mesh.setMuted(!mesh.self.muted);
  const toggleCamera = () => mesh.setCameraOff(!mesh.self.cameraOff);
  const toggleAudioOnly = () => mesh.setAudioOnly(!mesh.self.audioOnly);
  const toggleShare = async () => {
    if (mesh.self.screen) mesh.stopScreenShare();
    else if (!(await mesh.startScreenShare()) && !navigator.mediaDevices?.getDisplayMedia) say(t('room.share.unavailable'));
  };
  const cycleLayout = () => {
    const next = NEXT_LAYOUT[layout()];
    setLayout(next);
    say(t('room.layout.current', { layout: t(LAYOUT_NAME[next]) }));
  };
  const popOut = async () => {
    const video = videos.get(mainId());
    if (!video || !(await popOutVideo(video, t('room.pip.window')))) say(t('room.pip.unavailable'));
  };
  const takePhoto = async () => {
    const id = mainId();
    const video = videos.get(id);
    const tile = tiles().find((candidate) => candidate.id === id);
    if (!video || !tile || video.videoWidth === 0 || tile.presence.cameraOff) {
      say(t('room.photo.noVideo'));
      return;
    }
    say(t('room.photo.pending'));
    const result = await capturePhoto(props.consultationId, video, tile.presence.name);
    say(result.ok ? t('room.photo.saved', { name: result.name }) : t('room.photo.failed', { reason: result.message }));
  };
  const leave = () => {
    mesh.leave();
    props.onLeft();
  };

  interface Control {
    key: string;
    label: () => string;
    icon: IconName;
    pressed?: () => boolean;
    danger?: boolean;
    only?: 'professional';
    run: () => void | Promise<void>;
  }
  const controls: Control[] = [
    { key: 'I', icon: 'invite', label: () => t('room.control.invite'), only: 'professional', run: () => void setInviting(true) },
    { key: 'P', icon: 'photo', label: () => t('room.control.photo'), only: 'professional', run: takePhoto },
    { key: 'A', icon: 'layout', label: () => t('room.control.layout'), run: cycleLayout },
    { key: 'X', icon: 'popout', label: () => t('room.control.pip'), run: popOut },
    {
      key: 'V',
      icon: 'camera',
      label: () => (self().cameraOff ? t('room.control.cameraOn') : t('room.control.cameraOff')),
      pressed: () => self().cameraOff,
      run: toggleCamera,
    },
    {
      key: 'M',
      icon: 'mic',
      label: () => (self().muted ? t('room.control.unmute') : t('room.control.mute')),
      pressed: () => self().muted,
      run: toggleMute,
    },
    {
      key: 'E',
      icon: 'screen',
      label: () => (self().screen ? t('room.control.stopShare') : t('room.control.share')),
      pressed: () => self().screen,
      run: toggleShare,
    },
    {
      key: 'O',
      icon: 'audioOnly',
      label: () => (self().audioOnly ? t('room.control.audioOnlyOff') : t('room.control.audioOnly')),
      pressed: () => self().audioOnly,
      run: toggleAudioOnly,
    },
    { key: 'Q', icon: 'leave', label: () => t('room.control.leave'), danger: true, run: leave },
  ];
  const available = () => controls.filter((c) => c.only !== 'professional' || props.professional);

  // Alt+Shift+letter works from anywhere on the page, the fiche's text fields included.
  const onKey = (event: KeyboardEvent) => {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    const letter = event.code.startsWith('Key') ? event.code.slice(3) : '';
    const control = available().find((c) => c.key === letter);
    if (!control) return;
    event.preventDefault();
    void control.run();
  };

  onMount(() => {
    document.addEventListener('keydown', onKey);
    // Who is already in the room (awareness) arrives with the first sync: the full-room check and
    // the first calls need it. Offline, the mesh starts anyway and catches up.
    const provider = props.room.provider;
    if (provider.synced) void mesh.start();
    else {
      let started = false;
      const go = () => {
        if (started) return;
        started = true;
        provider.off('sync', go);
        void mesh.start();
      };
      provider.on('sync', go);
      setTimeout(go, 3_000);
    }
  });
  onCleanup(() => {
    document.removeEventListener('keydown', onKey);
    mesh.leave();
    if (window.relaisCall === mesh) delete window.relaisCall;
  });

  return (
    <div class="call" data-layout={layout()}>
      <Show when={meshState() === 'full' || meshState() === 'refused'}>
        <p class="form-error" role="alert">
          {meshState() === 'full' ? t('room.full') : (mesh.refusal ?? t('room.refused'))}
        </p>
      </Show>
      <h3 class="visually-hidden">{t('room.participants', { count: tiles().length })}</h3>
      <div class="call-tiles" data-count={visibleTiles().length}>
        <For each={visibleTiles().map((tile) => tile.id)}>
          {(id) => {
            // Keyed by id: a tile keeps its <video> while its participant's state changes.
            const tile = () => tiles().find((candidate) => candidate.id === id);
            return (
              <Show when={tile()}>
                {(current) => (
                  <Tile
                    id={id}
                    presence={current().presence}
                    stream={current().stream}
                    isSelf={id === 'self'}
                    status={current().remote?.status ?? 'self'}
                    quality={current().remote?.quality ?? null}
                    selected={selected() === id}
                    main={layout() !== 'grid' && id === mainId()}
                    onSelect={() => setSelected((chosen) => (chosen === id ? null : id))}
                    sinkId={props.speakerId ?? null}
                    ref={(video) => videos.set(id, video)}
                  />
                )}
              </Show>
            );
          }}
        </For>
      </div>
      <Show when={tiles().length === 1 && meshState() === 'joined'}>
        <p class="call-alone">{t('room.alone')}</p>
      </Show>
      <div class="call-controls" role="toolbar" aria-label={t('room.controls')}>
        <For each={available()}>
          {(control) => {
            const keys = `Alt+Maj+${control.key}`;
            return (
              <span class="call-control">
                <button
                  type="button"
                  class="call-button"
                  classList={{ 'call-button--danger': control.danger === true }}
                  aria-pressed={control.pressed ? control.pressed() : undefined}
                  aria-keyshortcuts={`Alt+Shift+${control.key}`}
                  aria-label={control.label()}
                  aria-describedby={`call-tip-${control.key}`}
                  onClick={() => void control.run()}
                >
                  <Icon name={control.icon} crossed={control.pressed?.() === true && (control.icon === 'mic' || control.icon === 'camera')} />
                  <span class="call-button-label" aria-hidden="true">
                    {control.label()}
                  </span>
                </button>
                <span class="call-tooltip" role="tooltip" id={`call-tip-${control.key}`}>
                  {t('room.shortcut', { label: control.label(), keys })}
                </span>
              </span>
            );
          }}
        </For>
      </div>
      <p class="call-notice" role="status" aria-live="polite">
        {notice() ?? ''}
      </p>
      <Show when={inviting()}>
        <InviteDialog consultationId={props.consultationId} onClose={(message) => {
          setInviting(false);
          if (message) say(message);
        }} />
      </Show>
    </div>
  );
}
