/**
 * Automatic degradation on a weak line (issue 15): when the page's line cannot carry video, the
 * page goes audio-only by itself («Mode audio seul»: no video out, and the others asked to send it
 * none) and says so; when the line has been good for long enough, video comes back.
 *
 * A pure function of the stats samples that Mesh takes every 2 s (one per connection, combined
 * here), so that the rule can be tested without a browser. Thresholds measured with
 * `npm run bench:call` (docs/CALLS.md):
 * - On the issue's weak line (300 kbit/s, 150 ms, 3 % loss each way) Chrome's send-side bandwidth
 *   estimate (`availableOutgoingBitrate`) falls from about 1 Mbit/s to 100–200 kbit/s within
 *   10–25 s, the encoder held back by it (`qualityLimitationReason` 'bandwidth'); video gets
 *   40–110 kbit/s at 480×270, then 320×180, and queues in front of the sound: the round trip goes
 *   from 310 ms (the line's own) up to 630 ms. Below 150 kbit/s video is a thumbnail that costs
 *   the sound its delay: cut it. On a 1 Mbit/s line with 50 ms and 1 % loss the estimate dipped to
 *   140–170 kbit/s for a few seconds, the encoder not held back: not cut.
 * - Random loss of 3 % does not hurt Opus much (2–4 % of the sound concealed): it is no reason to
 *   cut. Loss over 8 % for 6 s is (the tiles' «Connexion : faible» threshold, `linkQuality` in
 *   schema/room.ts; not measured by the bench, which keeps the issue's 3 %).
 * - In audio-only the estimate stays frozen at its last value whatever the line does (Chrome does
 *   not probe for bandwidth it is not using), so it cannot say the line recovered. Loss and round
 *   trip can: video returns after a hold (30 s, doubled after each failed return, up to 4 min)
 *   once loss stayed under 2 % and the round trip under 250 ms for 10 s. Back on video, the
 *   estimate restarts from its frozen value and climbs: it is not judged for 20 s.
 */

/** One connection over one stats interval. */
export interface LinkSample {
  /** Send-side bandwidth estimate of the selected candidate pair (bit/s); null: not known yet. */
  outgoingBitrate: number | null;
  /** Share of inbound RTP packets (audio and video) lost in the interval; null: none expected. */
  loss: number | null;
  /** Round trip of the selected candidate pair (ms); null: not known. */
  rttMs: number | null;
  /** Video left towards this peer in the interval. */
  videoSent: boolean;
  /** The encoder lowers that video for want of bandwidth (outbound-rtp `qualityLimitationReason`). */
  bandwidthLimited: boolean;
  /** Video came from this peer in the interval. */
  videoReceived: boolean;
}

export const ADAPTIVE = {
  /** Below this estimate, video is not worth its cost to the sound. */
  weakBitrate: 150_000,
  /** Above this inbound loss, the line is too lossy for video. */
  weakLoss: 0.08,
  /** Weak samples in a row (2 s each) before cutting video: a keyframe burst is not a weak line. */
  weakSamples: 3,
  /** Good samples in a row before video may come back, and their mean loss below `goodLoss`. */
  goodSamples: 5,
  goodLoss: 0.02,
  goodRttMs: 250,
  /** First wait in audio-only before trying video again; doubled after a failed try. */
  firstHoldMs: 30_000,
  maxHoldMs: 240_000,
  /**
   * After video comes back by itself the estimate restarts from its audio-only value (about
   * 100 kbit/s) and climbs by some 8 % a second: it is not judged for this long.
   */
  rampMs: 20_000,
  /** Video that turns weak again within this time after coming back was a failed try. */
  probationMs: 45_000,
  /** After the user brings video back by hand, no automatic cut for this long. */
  overrideMs: 300_000,
} as const;

export type AdaptiveAction = 'none' | 'audio-only' | 'restore-video';

export interface AdaptiveState {
  /** Audio-only because of this rule (not the user's choice). */
  auto: boolean;
  weakStreak: number;
  /** Loss of the last good samples while in automatic audio-only (reset by a bad one). */
  goodLosses: number[];
  autoSince: number;
  holdMs: number;
  /** When video last came back by itself (its probation), or null. */
  restoredAt: number | null;
  /** No automatic cut before this time (the user chose video). */
  overrideUntil: number;
}

export function initialAdaptive(): AdaptiveState {
  return { auto: false, weakStreak: 0, goodLosses: [], autoSince: 0, holdMs: ADAPTIVE.firstHoldMs, restoredAt: null, overrideUntil: 0 };
}

/**
 * The page's line over all its connections: the best one speaks for it. If video flows well to
 * one peer, the page's own line is not what is weak (that peer's may be: it decides for itself).
 */
export function combineLinks(links: LinkSample[]): LinkSample | null {
  if (links.length === 0) return null;
  const known = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);
  const bitrates = known(links.filter((l) => l.videoSent).map((l) => l.outgoingBitrate));
  const losses = known(links.map((l) => l.loss));
  const rtts = known(links.map((l) => l.rttMs));
  return {
    outgoingBitrate: bitrates.length ? Math.max(...bitrates) : null,
    loss: losses.length ? Math.min(...losses) : null,
    rttMs: rtts.length ? Math.min(...rtts) : null,
    videoSent: links.some((l) => l.videoSent),
    bandwidthLimited: links.every((l) => !l.videoSent || l.bandwidthLimited),
    videoReceived: links.some((l) => l.videoReceived),
  };
}

/**
 * Too weak for video: a low estimate while the encoder is held back by it, or heavy loss while
 * video flows. The estimate alone is not enough: sending little (a still picture), Chrome's
 * estimate stays near what it sends, and a loaded machine's timing jitter pulls it down briefly.
 */
export function isWeak(sample: LinkSample): boolean {
  const lowBitrate = sample.videoSent && sample.bandwidthLimited && sample.outgoingBitrate !== null && sample.outgoingBitrate < ADAPTIVE.weakBitrate;
  const lossy = (sample.videoSent || sample.videoReceived) && sample.loss !== null && sample.loss > ADAPTIVE.weakLoss;
  return lowBitrate || lossy;
}

/**
 * One stats tick. `audioOnlyNow`: whether the page is in audio-only mode now (by the user's
 * choice or this rule's). Returns the next state and what the page must do.
 */
export function decide(state: AdaptiveState, sample: LinkSample | null, now: number, audioOnlyNow: boolean): { state: AdaptiveState; action: AdaptiveAction } {
  if (!sample) return { state, action: 'none' };
  if (!state.auto) {
    let next = state;
    // A return of video that held through its probation: the next cut waits the first hold again.
    if (next.restoredAt !== null && now - next.restoredAt >= ADAPTIVE.probationMs) next = { ...next, restoredAt: null, holdMs: ADAPTIVE.firstHoldMs };
    // The user's own audio-only: nothing to decide.
    if (audioOnlyNow) return { state: { ...next, weakStreak: 0 }, action: 'none' };
    const ramping = next.restoredAt !== null && now - next.restoredAt < ADAPTIVE.rampMs;
    const weakStreak = isWeak(ramping ? { ...sample, outgoingBitrate: null } : sample) ? next.weakStreak + 1 : 0;
    if (weakStreak < ADAPTIVE.weakSamples || now < next.overrideUntil) return { state: { ...next, weakStreak }, action: 'none' };
    const failedTry = next.restoredAt !== null;
    return {
      state: {
        ...next,
        auto: true,
        weakStreak: 0,
        goodLosses: [],
        autoSince: now,
        holdMs: failedTry ? Math.min(next.holdMs * 2, ADAPTIVE.maxHoldMs) : ADAPTIVE.firstHoldMs,
        restoredAt: null,
      },
      action: 'audio-only',
    };
  }
  // Automatic audio-only: does the line look good again?
  const acceptable = (sample.rttMs === null || sample.rttMs < ADAPTIVE.goodRttMs) && (sample.loss === null || sample.loss <= ADAPTIVE.weakLoss);
  const goodLosses = acceptable ? [...state.goodLosses, sample.loss ?? 0].slice(-ADAPTIVE.goodSamples) : [];
  const meanLoss = goodLosses.reduce((a, b) => a + b, 0) / Math.max(1, goodLosses.length);
  const ready = goodLosses.length >= ADAPTIVE.goodSamples && meanLoss < ADAPTIVE.goodLoss && now - state.autoSince >= state.holdMs;
  if (!ready) return { state: { ...state, goodLosses }, action: 'none' };
  return { state: { ...state, auto: false, goodLosses: [], weakStreak: 0, restoredAt: now }, action: 'restore-video' };
}

/** The user pressed «Mode audio seul» / «Revenir à la vidéo»: their choice wins. */
export function userChoseAudioOnly(state: AdaptiveState, audioOnly: boolean, now: number): AdaptiveState {
  if (audioOnly) return { ...state, auto: false, weakStreak: 0, goodLosses: [], restoredAt: null };
  // Video by hand, maybe against this rule: leave it alone for a while.
  return { ...state, auto: false, weakStreak: 0, goodLosses: [], restoredAt: null, overrideUntil: state.auto ? now + ADAPTIVE.overrideMs : state.overrideUntil };
}
