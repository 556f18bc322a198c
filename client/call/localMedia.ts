/**
 * The participant's own camera and microphone (SPEC §7.1 "the browser asks for camera and
 * microphone; when refused or absent, the page says what to do"). The outgoing stream always holds
 * one audio and one video track, silent or black when a device is missing, so that every peer
 * connection has both senders from the start and later changes (camera back, screen share) only
 * swap tracks without renegotiating.
 */
import { VIDEO_CONSTRAINTS } from '../../schema/room.ts';

export type MediaProblem = 'denied' | 'noDevice' | 'inUse' | 'insecure' | 'other';

export interface LocalMedia {
  /** What goes to peers: one audio and one video track. */
  stream: MediaStream;
  /** The real camera track, or null (then the video track is black). */
  camera: MediaStreamTrack | null;
  /** The real microphone track, or null (then the audio track is silent). */
  microphone: MediaStreamTrack | null;
  /** Why a device is missing, if one is. */
  problem: MediaProblem | null;
  stop(): void;
}

export interface DeviceChoice {
  cameraId?: string | null;
  microphoneId?: string | null;
}

export function problemOf(error: unknown): MediaProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'noDevice';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'inUse';
  return 'other';
}

const blackTracks = new WeakSet<MediaStreamTrack>();

/** A black 640×360 video track (a canvas that draws once a second so that it keeps a frame rate). */
export function blackVideoTrack(): MediaStreamTrack {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
  const ctx = canvas.getContext('2d');
  const paint = () => {
    if (!ctx) return;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  paint();
  const timer = setInterval(paint, 1000);
  const track = canvas.captureStream(1).getVideoTracks()[0] as MediaStreamTrack;
  track.addEventListener('ended', () => clearInterval(timer));
  const stop = track.stop.bind(track);
  track.stop = () => {
    clearInterval(timer);
    stop();
  };
  blackTracks.add(track);
  return track;
}

let silentContext: AudioContext | null = null;
/** A silent audio track. */
export function silentAudioTrack(): MediaStreamTrack {
  silentContext ??= new AudioContext();
  const destination = silentContext.createMediaStreamDestination();
  return destination.stream.getAudioTracks()[0] as MediaStreamTrack;
}

export const isPlaceholder = (track: MediaStreamTrack): boolean => blackTracks.has(track);

async function tryGet(constraints: MediaStreamConstraints): Promise<{ stream: MediaStream | null; problem: MediaProblem | null }> {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia(constraints), problem: null };
  } catch (error) {
    return { stream: null, problem: problemOf(error) };
  }
}

export async function openLocalMedia(choice: DeviceChoice = {}): Promise<LocalMedia> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return assemble(null, null, window.isSecureContext ? 'noDevice' : 'insecure');
  }
  const audio: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    ...(choice.microphoneId ? { deviceId: { exact: choice.microphoneId } } : {}),
  };
  const video: MediaTrackConstraints = { ...VIDEO_CONSTRAINTS, ...(choice.cameraId ? { deviceId: { exact: choice.cameraId } } : {}) };
  const both = await tryGet({ audio, video });
  if (both.stream) {
    return assemble(both.stream.getVideoTracks()[0] ?? null, both.stream.getAudioTracks()[0] ?? null, null);
  }
  // One device may work without the other (a laptop whose camera another app holds).
  const [mic, cam] = [await tryGet({ audio }), await tryGet({ video })];
  const microphone = mic.stream?.getAudioTracks()[0] ?? null;
  const camera = cam.stream?.getVideoTracks()[0] ?? null;
  return assemble(camera, microphone, camera && microphone ? null : (both.problem ?? mic.problem ?? cam.problem));
}

function assemble(camera: MediaStreamTrack | null, microphone: MediaStreamTrack | null, problem: MediaProblem | null): LocalMedia {
  const video = camera ?? blackVideoTrack();
  const audio = microphone ?? silentAudioTrack();
  const stream = new MediaStream([audio, video]);
  return {
    stream,
    camera,
    microphone,
    problem,
    stop() {
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

export interface Devices {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export async function listDevices(): Promise<Devices> {
  const all = navigator.mediaDevices?.enumerateDevices ? await navigator.mediaDevices.enumerateDevices() : [];
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
    speakers: all.filter((d) => d.kind === 'audiooutput'),
  };
}

/** How many cameras the device has: «Changer de caméra» is offered from two (front and back). */
export async function cameraCount(): Promise<number> {
  try {
    return (await listDevices()).cameras.length;
  } catch {
    return 0;
  }
}

/**
 * Opens the other camera: the other side (front ↔ back) when the browser says which way the
 * current one faces, else the next camera in the device list. The current camera is stopped first
 * (most phones cannot keep both open); if no other opens, the current one is opened again, and
 * `switched` is false.
 */
export async function openNextCamera(current: MediaStreamTrack | null): Promise<{ track: MediaStreamTrack | null; switched: boolean }> {
  const settings = current?.getSettings() ?? {};
  const cameras = (await listDevices().catch(() => ({ cameras: [] as MediaDeviceInfo[] }))).cameras.filter((d) => d.deviceId);
  const ways: MediaTrackConstraints[] = [];
  if (settings.facingMode === 'user' || settings.facingMode === 'environment') {
    ways.push({ facingMode: { exact: settings.facingMode === 'user' ? 'environment' : 'user' } });
  }
  const at = cameras.findIndex((d) => d.deviceId === settings.deviceId);
  const next = cameras[(at + 1) % Math.max(1, cameras.length)];
  if (next && next.deviceId !== settings.deviceId) ways.push({ deviceId: { exact: next.deviceId } });
  if (ways.length === 0) return { track: current, switched: false };

  current?.stop();
  for (const way of ways) {
    const opened = await tryGet({ video: { ...VIDEO_CONSTRAINTS, ...way } });
    const track = opened.stream?.getVideoTracks()[0];
    if (track) return { track, switched: true };
  }
  const again = await tryGet({ video: { ...VIDEO_CONSTRAINTS, ...(settings.deviceId ? { deviceId: { exact: settings.deviceId } } : {}) } });
  return { track: again.stream?.getVideoTracks()[0] ?? null, switched: false };
}

/**
 * «Réessayer» during the call: asks again for whichever of the camera and the microphone is
 * missing (refused, busy, unplugged). The tracks that open are the caller's to put in the call.
 */
export async function openMissing(local: LocalMedia): Promise<{ camera: MediaStreamTrack | null; microphone: MediaStreamTrack | null; problem: MediaProblem | null }> {
  if (!navigator.mediaDevices?.getUserMedia) return { camera: null, microphone: null, problem: window.isSecureContext ? 'noDevice' : 'insecure' };
  const wantsCamera = local.camera === null;
  const wantsMicrophone = local.microphone === null;
  if (!wantsCamera && !wantsMicrophone) return { camera: null, microphone: null, problem: null };
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  const opened = await tryGet({ ...(wantsCamera ? { video: { ...VIDEO_CONSTRAINTS } } : {}), ...(wantsMicrophone ? { audio } : {}) });
  if (opened.stream) {
    return { camera: opened.stream.getVideoTracks()[0] ?? null, microphone: opened.stream.getAudioTracks()[0] ?? null, problem: null };
  }
  // Both asked and refused together: one of them may still open alone.
  const camera = wantsCamera && wantsMicrophone ? ((await tryGet({ video: { ...VIDEO_CONSTRAINTS } })).stream?.getVideoTracks()[0] ?? null) : null;
  const microphone = wantsCamera && wantsMicrophone ? ((await tryGet({ audio })).stream?.getAudioTracks()[0] ?? null) : null;
  const stillMissing = (wantsCamera && !camera) || (wantsMicrophone && !microphone);
  return { camera, microphone, problem: stillMissing ? opened.problem : null };
}
