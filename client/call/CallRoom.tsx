/**
 * The call itself (SPEC §7.2): tiles in the chosen layout and the control bar. Used by the
 * consultation page (professionals) and the join page (guests), once the participant has chosen
 * to enter; it owns the mesh and ends it on «Quitter la salle» or when the page goes.
 *
 * On a phone (call.css), a guest's call fills the screen: the person speaking — else the spotlight,
 * else the doctor — large, her own picture small in a corner, a bar of big labelled buttons at the
 * bottom. Guests get only what they need (micro, caméra, changer de caméra, audio seul, quitter).
 * The screen stays on during the call (wakeLock.ts) and a plain banner says when the connection is
 * lost and when it is back; the mesh reconnects by itself.
 */
import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { CallPresence } from '../../schema/room.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { cameraCount, openMissing, openNextCamera, type LocalMedia } from './localMedia.ts';
import { MediaHelp } from './MediaHelp.tsx';
import { Mesh, type RemoteParticipant } from './Mesh.ts';
import type { CallAuth, OpenedRoom } from './openRoom.ts';
import { capturePhoto } from './photo.ts';
import { popOutVideo } from './popOut.ts';
import { InviteDialog } from './InviteDialog.tsx';
import { Icon, type IconName } from './icons.tsx';
import { watchSpeaker } from './speaking.ts';
import { Tile } from './Tile.tsx';
import { keepScreenAwake, type ScreenWakeLock } from './wakeLock.ts';
import './call.css';

export type Layout = 'grid' | 'speaker' | 'hidden';
const NEXT_LAYOUT: Record<Layout, Layout> = { grid: 'speaker', speaker: 'hidden', hidden: 'grid' };
const LAYOUT_NAME: Record<Layout, MessageKey> = { grid: 'room.layout.grid', speaker: 'room.layout.speaker', hidden: 'room.layout.hidden' };

/** How long «Connexion rétablie» stays. */
const BACK_NOTICE_MS = 4_000;
/** A connection that drops for less than this (an ICE flap) shows no banner; going offline shows one at once. */
const LOST_GRACE_MS = 1_500;

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

/** Window handles for the end-to-end tests and diagnostics: the mesh of the page's call, its wake lock. */
declare global {
  interface Window {
    relaisCall?: Mesh;
    relaisWakeLock?: ScreenWakeLock;
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
  const [speaker, setSpeaker] = createSignal<string | null>(null);
  const [cameras, setCameras] = createSignal(0);
  const [switching, setSwitching] = createSignal(false);
  const [online, setOnline] = createSignal(navigator.onLine);
  const [banner, setBanner] = createSignal<'lost' | 'back' | null>(null);
  // A guest who joined with her camera or microphone refused is told again in the call, with the
  // steps for her phone (the consultation page shows professionals the same help above the call).
  const [mediaProblem, setMediaProblem] = createSignal(props.professional ? null : props.local.problem);
  const [mediaHelpClosed, setMediaHelpClosed] = createSignal(false);
  const videos = new Map<string, HTMLVideoElement>();
  let selfStream: MediaStream | null = null;
  const selfView = () => {
    version();
    const track = mesh.localVideoTrack();
    if (!selfStream || selfStream.getVideoTracks()[0] !== track) selfStream = new MediaStream([track]);
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
    const own = { id: 'self', presence: mesh.self, stream: selfView(), remote: null };
    // A guest sees the others first; her own picture comes last (in a corner on a phone).
    return props.professional ? [own, ...remotes] : [...remotes, own];
  };
  const isPresent = (id: string | null, all: TileView[]): id is string => id !== null && all.some((tile) => tile.id === id);
  /** The picture someone chose: this page's tap, else the room's spotlight; null when none. */
  const pinnedId = (all: TileView[]): string | null => {
    const chosen = selected();
    if (isPresent(chosen, all)) return chosen;
    const spotlight = props.room.room.spotlight();
    return isPresent(spotlight, all) ? spotlight : null;
  };
  /** The tile the speaker view enlarges and the photo captures: the chosen one, else the spotlight, else the first other. */
  const mainId = (): string => {
    const all = tiles();
    return pinnedId(all) ?? all.find((tile) => tile.id !== 'self')?.id ?? 'self';
  };
  /** The phone's large picture: the chosen one, else the spotlight, else who speaks, else the doctor (first professional), else the first other. */
  const stageId = (): string => {
    const all = tiles();
    const pinned = pinnedId(all);
    if (pinned !== null) return pinned;
    const speaking = speaker();
    if (isPresent(speaking, all)) return speaking;
    const others = all.filter((tile) => tile.id !== 'self');
    return (others.find((tile) => tile.presence.kind === 'professional') ?? others[0])?.id ?? 'self';
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
  /** Our own picture is mirrored like a looking-glass, except a back camera's or a shared screen. */
  const selfMirrored = () => {
    version();
    return !mesh.self.screen && mesh.localVideoTrack().getSettings().facingMode !== 'environment';
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
  const switchCamera = async () => {
    if (switching()) return;
    setSwitching(true);
    try {
      const current = props.local.camera;
      const { track, switched } = await openNextCamera(current);
      if (track && track !== current) mesh.replaceCamera(track);
      if (!switched) say(t('room.control.switchFailed'));
    } finally {
      setSwitching(false);
    }
  };
  /** «Réessayer»: whatever now opens joins the call on every connection, without a new call. */
  const retryMedia = async () => {
    const opened = await openMissing(props.local);
    if (opened.camera) {
      mesh.replaceCamera(opened.camera);
      mesh.setCameraOff(false);
    }
    if (opened.microphone) {
      mesh.replaceMicrophone(opened.microphone);
      mesh.setMuted(false);
    }
    setMediaProblem(opened.problem);
    countCameras();
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

  /* ------------------------------------------------------------------ phone life */

  let wakeLock: ScreenWakeLock | null = null;
  const leave = () => {
    wakeLock?.release();
    mesh.leave();
    props.onLeft();
  };

  /** Our own connection is down: offline, the peer server's socket lost, or every call being replaced. */
  const connectionLost = () => {
    version();
    if (!online()) return true;
    if (mesh.state !== 'joined') return false;
    if (!mesh.signallingUp) return true;
    const remotes = [...mesh.remotes.values()];
    return remotes.length > 0 && remotes.every((r) => r.status === 'reconnecting');
  };
  let bannerTimer: ReturnType<typeof setTimeout> | null = null;
  const clearBannerTimer = () => {
    if (bannerTimer) clearTimeout(bannerTimer);
    bannerTimer = null;
  };
  createEffect((wasLost: boolean) => {
    const lost = connectionLost();
    if (lost === wasLost) return lost;
    clearBannerTimer();
    if (lost) {
      if (online()) bannerTimer = setTimeout(() => setBanner('lost'), LOST_GRACE_MS);
      else setBanner('lost');
    } else if (banner() === 'lost') {
      setBanner('back');
      bannerTimer = setTimeout(() => setBanner(null), BACK_NOTICE_MS);
    }
    return lost;
  }, false);
  const onOnline = () => setOnline(true);
  const onOffline = () => setOnline(false);

  /* ------------------------------------------------------------------ controls */

  interface Control {
    key: string;
    /** What the button does: its accessible name, and its text on a computer. */
    label: () => string;
    /** Its text on a phone, where the bar is narrow (a word or two, part of the label). */
    short?: () => string;
    icon: IconName;
    pressed?: () => boolean;
    danger?: boolean;
    only?: 'professional' | 'twoCameras';
    run: () => void | Promise<void>;
  }
  const controls: Control[] = [
    { key: 'I', icon: 'invite', label: () => t('room.control.invite'), short: () => t('room.control.short.invite'), only: 'professional', run: () => void openInvite() },
    { key: 'P', icon: 'photo', label: () => t('room.control.photo'), short: () => t('room.control.short.photo'), only: 'professional', run: takePhoto },
    { key: 'A', icon: 'layout', label: () => t('room.control.layout'), short: () => t('room.control.short.layout'), only: 'professional', run: cycleLayout },
    { key: 'X', icon: 'popout', label: () => t('room.control.pip'), short: () => t('room.control.short.pip'), only: 'professional', run: popOut },
    {
      key: 'M',
      icon: 'mic',
      label: () => (self().muted ? t('room.control.unmute') : t('room.control.mute')),
      short: () => t('room.control.short.mic'),
      pressed: () => self().muted,
      run: toggleMute,
    },
    {
      key: 'V',
      icon: 'camera',
      label: () => (self().cameraOff ? t('room.control.cameraOn') : t('room.control.cameraOff')),
      short: () => t('room.control.short.camera'),
      pressed: () => self().cameraOff,
      run: toggleCamera,
    },
    { key: 'C', icon: 'switchCamera', label: () => t('room.control.switchCamera'), only: 'twoCameras', run: switchCamera },
    {
      key: 'E',
      icon: 'screen',
      label: () => (self().screen ? t('room.control.stopShare') : t('room.control.share')),
      pressed: () => self().screen,
      only: 'professional',
      run: toggleShare,
    },
    {
      key: 'O',
      icon: 'audioOnly',
      label: () => (self().audioOnly ? t('room.control.audioOnlyOff') : t('room.control.audioOnly')),
      pressed: () => self().audioOnly,
      run: toggleAudioOnly,
    },
    { key: 'Q', icon: 'leave', label: () => t('room.control.leave'), short: () => t('room.control.short.leave'), danger: true, run: leave },
  ];
  const hasCameraToSwitch = () => {
    version();
    return cameras() >= 2 && props.local.camera !== null;
  };
  const available = () =>
    controls.filter((c) => (c.only === 'professional' ? props.professional : c.only === 'twoCameras' ? hasCameraToSwitch() : true));

  /* ------------------------------------------------------------------ tooltips */

  // A shortcut's tooltip shows on mouse hover and on keyboard focus, never on touch screens; it is
  // placed inside the screen (position: fixed, clamped), so it never widens the page, and it does
  // not come back by itself when a dialog closes and gives focus back to its button.
  const [tip, setTip] = createSignal<string | null>(null);
  const buttons = new Map<string, HTMLButtonElement>();
  const tipEls = new Map<string, HTMLElement>();
  // Set when a dialog closes: no tooltip (by focus coming back, or by the button the dialog
  // uncovered under a still pointer) until the user moves the pointer or presses a key.
  let quiet = false;
  const hoverScreen = () => window.matchMedia('(hover: hover) and (pointer: fine)').matches;
  const placeTip = (key: string) => {
    const button = buttons.get(key);
    const el = tipEls.get(key);
    if (!button || !el) return;
    const margin = 8;
    const anchor = button.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    const left = Math.min(Math.max(margin, anchor.left + anchor.width / 2 - box.width / 2), Math.max(margin, width - margin - box.width));
    const above = anchor.top - box.height - 6;
    el.style.left = `${Math.round(left)}px`;
    el.style.top = `${Math.round(above >= margin ? above : anchor.bottom + 6)}px`;
  };
  const showTip = (key: string) => {
    if (quiet || !hoverScreen() || inviting()) return;
    setTip(key);
    placeTip(key);
  };
  const hideTip = (key?: string) => {
    if (key === undefined || tip() === key) setTip(null);
  };
  const wake = () => {
    quiet = false;
  };
  const onPointerMove = (event: PointerEvent) => {
    if (!quiet || (event.movementX === 0 && event.movementY === 0)) return;
    wake();
    // Moved onto a button while quiet: its pointerenter came first and was ignored.
    const key = event.pointerType === 'mouse' && event.target instanceof Element ? event.target.closest<HTMLElement>('[data-tip-key]')?.dataset.tipKey : undefined;
    if (key) showTip(key);
  };
  const openInvite = () => {
    hideTip();
    setInviting(true);
  };

  // Alt+Shift+letter works from anywhere on the page, the fiche's text fields included.
  const onKey = (event: KeyboardEvent) => {
    wake();
    if (event.key === 'Escape') hideTip();
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    const letter = event.code.startsWith('Key') ? event.code.slice(3) : '';
    const control = available().find((c) => c.key === letter);
    if (!control) return;
    event.preventDefault();
    void control.run();
  };
  // The tooltip is fixed to the screen: it follows its button when the page scrolls or resizes.
  const followTip = () => {
    const key = tip();
    if (key) placeTip(key);
  };

  /* ------------------------------------------------------------------ life */

  let bar: HTMLDivElement | undefined;
  let barObserver: ResizeObserver | null = null;
  let stopSpeaker: (() => void) | null = null;
  const countCameras = () => void cameraCount().then(setCameras);

  onMount(() => {
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointermove', onPointerMove, { passive: true });
    window.addEventListener('scroll', followTip, { passive: true, capture: true });
    window.addEventListener('resize', followTip, { passive: true });
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    navigator.mediaDevices?.addEventListener?.('devicechange', countCameras);
    countCameras();
    wakeLock = keepScreenAwake();
    window.relaisWakeLock = wakeLock;
    stopSpeaker = watchSpeaker(mesh, setSpeaker);
    // What lies under the bar on a phone (received documents, notices) sits above it.
    if (bar && typeof ResizeObserver !== 'undefined') {
      barObserver = new ResizeObserver(() => document.documentElement.style.setProperty('--call-bar-height', `${bar?.offsetHeight ?? 0}px`));
      barObserver.observe(bar);
    }
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
    document.removeEventListener('pointermove', onPointerMove);
    window.removeEventListener('scroll', followTip, { capture: true });
    window.removeEventListener('resize', followTip);
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    navigator.mediaDevices?.removeEventListener?.('devicechange', countCameras);
    clearBannerTimer();
    stopSpeaker?.();
    barObserver?.disconnect();
    document.documentElement.style.removeProperty('--call-bar-height');
    wakeLock?.release();
    if (window.relaisWakeLock === wakeLock) delete window.relaisWakeLock;
    mesh.leave();
    if (window.relaisCall === mesh) delete window.relaisCall;
  });

  return (
    <div class="call" data-layout={layout()} data-role={props.professional ? 'professional' : 'guest'}>
      <p class="call-banner" role="status" aria-live="polite" data-state={banner() ?? 'none'}>
        {banner() === 'lost' ? t('room.connection.lost') : banner() === 'back' ? t('room.connection.back') : ''}
      </p>
      <Show when={!mediaHelpClosed() && mediaProblem()}>
        {(problem) => (
          <div class="call-media-help">
            <MediaHelp problem={problem()} onRetry={() => void retryMedia()} />
            <button type="button" class="button call-media-help-close" onClick={() => setMediaHelpClosed(true)}>
              {t('room.media.close')}
            </button>
          </div>
        )}
      </Show>
      <Show when={meshState() === 'full' || meshState() === 'refused'}>
        <p class="form-error call-refused" role="alert">
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
                    mirror={id === 'self' && selfMirrored()}
                    status={current().remote?.status ?? 'self'}
                    quality={current().remote?.quality ?? null}
                    selected={selected() === id}
                    main={layout() !== 'grid' && id === mainId()}
                    stage={id === stageId()}
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
      <div class="call-controls" role="toolbar" aria-label={t('room.controls')} ref={(el) => (bar = el)}>
        <For each={available()}>
          {(control) => {
            const keys = `Alt+Maj+${control.key}`;
            return (
              <span class="call-control" data-control={control.icon} data-tip-key={control.key} onPointerEnter={(e) => e.pointerType === 'mouse' && showTip(control.key)} onPointerLeave={() => hideTip(control.key)}>
                <button
                  type="button"
                  ref={(el) => buttons.set(control.key, el)}
                  class="call-button"
                  classList={{ 'call-button--danger': control.danger === true }}
                  aria-pressed={control.pressed ? control.pressed() : undefined}
                  aria-keyshortcuts={`Alt+Shift+${control.key}`}
                  aria-label={control.label()}
                  aria-describedby={`call-tip-${control.key}`}
                  aria-busy={control.key === 'C' && switching() ? true : undefined}
                  onFocus={(e) => {
                    if (e.currentTarget.matches(':focus-visible')) showTip(control.key);
                  }}
                  onBlur={() => hideTip(control.key)}
                  onClick={() => void control.run()}
                >
                  <Icon name={control.icon} crossed={control.pressed?.() === true && (control.icon === 'mic' || control.icon === 'camera')} />
                  <span class="call-button-label" classList={{ 'call-button-label--long': control.short !== undefined }} aria-hidden="true">
                    {control.label()}
                  </span>
                  {control.short && (
                    <span class="call-button-label call-button-label--short" aria-hidden="true">
                      {control.short()}
                    </span>
                  )}
                </button>
                <span
                  class="call-tooltip"
                  classList={{ 'call-tooltip--shown': tip() === control.key }}
                  role="tooltip"
                  id={`call-tip-${control.key}`}
                  ref={(el) => tipEls.set(control.key, el)}
                >
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
          // Focus goes back to «Inviter un participant»: its tooltip must not come back with it.
          quiet = true;
          hideTip();
          setInviting(false);
          if (message) say(message);
        }} />
      </Show>
    </div>
  );
}
