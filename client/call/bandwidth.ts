/**
 * Outgoing video caps on one peer connection (SPEC §7.2): about 360p at the per-peer bitrate of
 * `videoBitrateCap`, applied with RTCRtpSender.setParameters so that no renegotiation is needed
 * when people join or leave. A shared screen keeps its resolution (text must stay legible) under
 * the same bitrate.
 */
const TARGET_HEIGHT = 360;

/** The sender that carries video, found by its transceiver (its track may be null in audio-only mode). */
export function videoSender(pc: RTCPeerConnection): RTCRtpSender | null {
  for (const t of pc.getTransceivers()) {
    if (t.receiver.track.kind === 'video' && t.currentDirection !== 'stopped') return t.sender;
  }
  return null;
}

export function audioSender(pc: RTCPeerConnection): RTCRtpSender | null {
  for (const t of pc.getTransceivers()) {
    if (t.receiver.track.kind === 'audio' && t.currentDirection !== 'stopped') return t.sender;
  }
  return null;
}

export async function applyVideoCap(pc: RTCPeerConnection, maxBitrate: number, isScreen: boolean): Promise<void> {
  const sender = videoSender(pc);
  if (!sender) return;
  const params = sender.getParameters();
  // Before negotiation ends there is no encoding to set: the caller retries once connected.
  if (!params.encodings || params.encodings.length === 0) return;
  const height = sender.track?.getSettings().height ?? TARGET_HEIGHT;
  for (const encoding of params.encodings) {
    encoding.maxBitrate = maxBitrate;
    encoding.scaleResolutionDownBy = isScreen ? 1 : Math.max(1, height / TARGET_HEIGHT);
  }
  await sender.setParameters(params);
}
