/**
 * Who is speaking, for the phone's large picture: the remote whose received audio level
 * (RTCRtpReceiver.getSynchronizationSources) is loudest, once they have been the loudest for a
 * moment, and kept until someone else speaks long enough (no flicker on a cough or a beep).
 * Nobody speaking keeps the last speaker.
 */
import type { Mesh } from './Mesh.ts';

const EVERY_MS = 400;
/** Linear audio level (0–1) above which a participant is taken to be speaking. */
const SPEAKING_LEVEL = 0.04;
/** Polls in a row a new voice must lead before the picture changes. */
const LEAD_POLLS = 3;

function audioLevel(mesh: Mesh, peerId: string): number {
  const pc = mesh.connectionWith(peerId);
  if (!pc) return 0;
  let level = 0;
  for (const receiver of pc.getReceivers()) {
    if (receiver.track.kind !== 'audio') continue;
    for (const source of receiver.getSynchronizationSources()) level = Math.max(level, source.audioLevel ?? 0);
  }
  return level;
}

export function watchSpeaker(mesh: Mesh, onSpeaker: (peerId: string | null) => void): () => void {
  let current: string | null = null;
  let candidate: string | null = null;
  let lead = 0;
  const timer = setInterval(() => {
    if (current && !mesh.remotes.has(current)) {
      current = null;
      onSpeaker(null);
    }
    let loudest: string | null = null;
    let loudestLevel = SPEAKING_LEVEL;
    for (const peerId of mesh.remotes.keys()) {
      const level = audioLevel(mesh, peerId);
      if (level > loudestLevel) {
        loudest = peerId;
        loudestLevel = level;
      }
    }
    if (!loudest || loudest === current) {
      candidate = null;
      lead = 0;
      return;
    }
    lead = loudest === candidate ? lead + 1 : 1;
    candidate = loudest;
    if (lead >= LEAD_POLLS) {
      current = loudest;
      candidate = null;
      lead = 0;
      onSpeaker(current);
    }
  }, EVERY_MS);
  return () => clearInterval(timer);
}
