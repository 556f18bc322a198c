/**
 * The guest's pre-join (SPEC §7.2): their own picture, a microphone level that moves when they
 * speak and a speaker test on one line, clear help when permission is refused or no device
 * exists, one big «Rejoindre», and the choice of devices folded under «Réglages». Made for a phone
 * held upright first: at 360 × 640 all but «Réglages»' content shows without scrolling.
 */
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import './prejoin.css';
import { listDevices, openLocalMedia, type Devices, type LocalMedia } from './localMedia.ts';
import { Icon } from './icons.tsx';
import { MediaHelp } from './MediaHelp.tsx';

export interface PreJoinProps {
  /** Hands over the opened media; the pre-join stops using them (the call owns them now). */
  onJoin: (local: LocalMedia, speakerId: string | null) => void;
}

type SinkableAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

export function PreJoin(props: PreJoinProps) {
  const [local, setLocal] = createSignal<LocalMedia | null>(null);
  const [devices, setDevices] = createSignal<Devices>({ cameras: [], microphones: [], speakers: [] });
  const [cameraId, setCameraId] = createSignal<string | null>(null);
  const [microphoneId, setMicrophoneId] = createSignal<string | null>(null);
  const [speakerId, setSpeakerId] = createSignal<string | null>(null);
  const [level, setLevel] = createSignal(0);
  const [speakerTested, setSpeakerTested] = createSignal(false);
  let video: HTMLVideoElement | undefined = undefined;
  let handedOver = false;
  let meter: { context: AudioContext; frame: number } | null = null;

  const stopMeter = () => {
    if (!meter) return;
    cancelAnimationFrame(meter.frame);
    void meter.context.close();
    meter = null;
  };

  const startMeter = (media: LocalMedia) => {
    stopMeter();
    if (!media.microphone) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([media.microphone])).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const tick = () => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s - 128));
      setLevel(Math.min(100, Math.round((peak / 128) * 140)));
      if (meter) meter.frame = requestAnimationFrame(tick);
    };
    meter = { context, frame: requestAnimationFrame(tick) };
  };

  const open = async () => {
    local()?.stop();
    const media = await openLocalMedia({ cameraId: cameraId(), microphoneId: microphoneId() });
    setLocal(media);
    if (video) {
      video.srcObject = media.camera ? new MediaStream([media.camera]) : null;
      if (media.camera) void video.play().catch(() => undefined);
    }
    startMeter(media);
    // Device names are only given once permission is granted.
    setDevices(await listDevices().catch(() => ({ cameras: [], microphones: [], speakers: [] })));
  };

  const testSpeaker = async () => {
    const context = new AudioContext();
    const destination = context.createMediaStreamDestination();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 660;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.8);
    oscillator.connect(gain).connect(destination);
    const audio = new Audio() as SinkableAudio;
    audio.srcObject = destination.stream;
    const sink = speakerId();
    if (sink && audio.setSinkId) await audio.setSinkId(sink).catch(() => undefined);
    await audio.play().catch(() => undefined);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.8);
    setSpeakerTested(true);
    setTimeout(() => void context.close(), 1_200);
  };

  onMount(() => void open());
  onCleanup(() => {
    stopMeter();
    if (!handedOver) local()?.stop();
  });

  const join = () => {
    const media = local();
    if (!media) return;
    handedOver = true;
    stopMeter();
    props.onJoin(media, speakerId());
  };

  const select = (id: string, label: string, list: MediaDeviceInfo[], value: string | null, choose: (id: string | null) => void, reopen: boolean) => (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(e) => {
          choose(e.currentTarget.value || null);
          if (reopen) void open();
        }}
      >
        <option value="">{t('room.join.deviceDefault')}</option>
        <For each={list.filter((d) => d.deviceId && d.deviceId !== 'default')}>
          {(d, i) => <option value={d.deviceId}>{d.label || `${label} ${i() + 1}`}</option>}
        </For>
      </select>
    </div>
  );

  return (
    <div class="prejoin">
      <div class="prejoin-preview">
        <video ref={(el) => (video = el)} autoplay playsinline muted aria-label={t('room.join.preview')} />
        <Show when={local() && !local()?.camera}>
          <p>{t('room.join.noPreview')}</p>
        </Show>
        <Show when={!local()}>
          <p>{t('room.join.checking')}</p>
        </Show>
      </div>
      <MediaHelp problem={local()?.problem ?? null} onRetry={() => void open()} />
      <div class="prejoin-sound">
        <Icon name="mic" />
        <meter aria-label={t('room.join.micLevel')} aria-describedby="prejoin-sound-hint" min={0} max={100} low={10} high={90} optimum={50} value={level()} />
        <button type="button" class="prejoin-speaker-test" onClick={() => void testSpeaker()}>
          {t('room.join.speakerTest')}
        </button>
      </div>
      <p id="prejoin-sound-hint" class="prejoin-hint" aria-live="polite">
        {speakerTested() ? t('room.join.speakerHint') : t('room.join.micHint')}
      </p>
      <button type="button" class="button button--primary prejoin-join" disabled={!local()} onClick={join}>
        {t('room.join.submit')}
      </button>
      <details class="prejoin-settings">
        <summary>{t('room.join.settings')}</summary>
        <div class="prejoin-devices">
          {select('prejoin-camera', t('room.join.camera'), devices().cameras, cameraId(), setCameraId, true)}
          {select('prejoin-microphone', t('room.join.microphone'), devices().microphones, microphoneId(), setMicrophoneId, true)}
          <Show when={devices().speakers.length > 0}>{select('prejoin-speaker', t('room.join.speaker'), devices().speakers, speakerId(), setSpeakerId, false)}</Show>
        </div>
      </details>
    </div>
  );
}
