import { describe, expect, it } from 'vitest';
import { ADAPTIVE, combineLinks, decide, initialAdaptive, userChoseAudioOnly, type AdaptiveAction, type AdaptiveState, type LinkSample } from './adaptive.ts';

/** Samples as measured by `npm run bench:call` (docs/CALLS.md). */
const GOOD: LinkSample = { outgoingBitrate: 1_000_000, loss: 0, rttMs: 6, videoSent: true, videoReceived: true, bandwidthLimited: false };
/** The weak line with video on: estimate about 110 kbit/s, 3 % loss, RTT 360 ms. */
const WEAK: LinkSample = { outgoingBitrate: 110_000, loss: 0.03, rttMs: 360, videoSent: true, videoReceived: true, bandwidthLimited: true };
/** The weak line once audio-only: the estimate stuck at 87 kbit/s, no video either way, RTT 310 ms. */
const WEAK_AUDIO: LinkSample = { outgoingBitrate: 87_000, loss: 0.03, rttMs: 310, videoSent: false, videoReceived: false, bandwidthLimited: false };
/** A recovered line in audio-only: the estimate still stuck, but no loss and a short round trip. */
const RECOVERED_AUDIO: LinkSample = { ...WEAK_AUDIO, loss: 0, rttMs: 5 };

const TICK = 2_000;

/** Feeds samples 2 s apart from `start`; returns the state, the actions and when they happened. */
function feed(samples: LinkSample[], state: AdaptiveState = initialAdaptive(), start = 0): { state: AdaptiveState; actions: { at: number; action: AdaptiveAction }[] } {
  const actions: { at: number; action: AdaptiveAction }[] = [];
  let s = state;
  samples.forEach((sample, i) => {
    const at = start + i * TICK;
    const out = decide(s, sample, at, s.auto);
    s = out.state;
    if (out.action !== 'none') actions.push({ at, action: out.action });
  });
  return { state: s, actions };
}

const times = (n: number, sample: LinkSample): LinkSample[] => Array.from({ length: n }, () => sample);

describe('automatic audio-only on a weak line (adaptive.ts)', () => {
  it('a good line keeps video', () => {
    expect(feed(times(60, GOOD)).actions).toEqual([]);
  });

  it('three weak samples in a row (6 s) cut video; one or two (a keyframe burst) do not', () => {
    expect(feed([GOOD, WEAK, WEAK, GOOD, WEAK, GOOD]).actions).toEqual([]);
    const { state, actions } = feed([GOOD, WEAK, WEAK, WEAK]);
    expect(actions).toEqual([{ at: 3 * TICK, action: 'audio-only' }]);
    expect(state.auto).toBe(true);
  });

  it('heavy loss cuts video even with a fair estimate; 3 % loss alone does not', () => {
    expect(feed(times(10, { ...GOOD, loss: 0.03 })).actions).toEqual([]);
    expect(feed(times(3, { ...GOOD, loss: 0.12 })).actions).toEqual([{ at: 2 * TICK, action: 'audio-only' }]);
    // Video only coming in, lossy: asking the others to stop sending it helps too.
    expect(feed(times(3, { ...GOOD, videoSent: false, loss: 0.12 })).actions).toHaveLength(1);
  });

  it('a low estimate means nothing while no video is sent (the others asked for none), or the encoder is not held back by it', () => {
    expect(feed(times(10, { ...WEAK, videoSent: false, videoReceived: false })).actions).toEqual([]);
    expect(feed(times(10, { ...WEAK, outgoingBitrate: null })).actions).toEqual([]);
    // A still picture sends little and Chrome's estimate stays near it: no cut.
    expect(feed(times(10, { ...WEAK, loss: 0.01, bandwidthLimited: false })).actions).toEqual([]);
  });

  it('one good connection among weak ones: the page’s own line is fine, it keeps video', () => {
    const combined = combineLinks([WEAK, GOOD]);
    expect(feed(times(10, combined!)).actions).toEqual([]);
    expect(feed(times(3, combineLinks([WEAK, WEAK])!)).actions).toHaveLength(1);
    expect(combineLinks([])).toBeNull();
  });

  it('the user’s own «Mode audio seul» is left alone: never turned back to video', () => {
    const own = userChoseAudioOnly(initialAdaptive(), true, 0);
    let state = own;
    for (let i = 0; i < 100; i++) {
      const out = decide(state, RECOVERED_AUDIO, i * TICK, true);
      expect(out.action).toBe('none');
      state = out.state;
    }
  });

  it('video comes back once the line has been good for 10 s, not before the 30 s hold', () => {
    const cut = feed(times(3, WEAK));
    const at0 = cut.actions[0]!.at;
    // Recovered at once: still waits for the hold.
    const back = feed(times(30, RECOVERED_AUDIO), cut.state, at0 + TICK);
    expect(back.actions).toEqual([{ at: at0 + ADAPTIVE.firstHoldMs, action: 'restore-video' }]);
    expect(back.state.auto).toBe(false);
  });

  it('on the still weak line (3 % loss, 310 ms round trip) video does not come back', () => {
    const cut = feed(times(3, WEAK));
    expect(feed(times(300, WEAK_AUDIO), cut.state, 3 * TICK).actions).toEqual([]);
    // Good round trip but 3 % loss on average: not yet.
    expect(feed(times(300, { ...WEAK_AUDIO, rttMs: 40 }), cut.state, 3 * TICK).actions).toEqual([]);
  });

  it('a return that fails within 45 s doubles the hold (30, 60, 120, 240 s at most); one that holds resets it', () => {
    let state = feed(times(3, WEAK)).state;
    let now = 3 * TICK;
    const holds: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      holds.push(state.holdMs);
      // Good enough to try again...
      let out = feed(times(state.holdMs / TICK + 1, RECOVERED_AUDIO), state, now);
      expect(out.actions.map((a) => a.action)).toEqual(['restore-video']);
      now = out.actions[0]!.at + TICK;
      // ...but still weak once the estimate had its time to climb.
      out = feed(times(ADAPTIVE.rampMs / TICK + 3, WEAK), out.state, now);
      expect(out.actions.map((a) => a.action)).toEqual(['audio-only']);
      state = out.state;
      now = out.actions[0]!.at + TICK;
    }
    expect(holds).toEqual([30_000, 60_000, 120_000, 240_000, 240_000]);
    // This time the return holds past its probation: the next cut waits 30 s again.
    const back = feed(times(state.holdMs / TICK + 1, RECOVERED_AUDIO), state, now);
    const later = feed([...times(ADAPTIVE.probationMs / TICK + 1, GOOD), ...times(3, WEAK)], back.state, back.actions[0]!.at + TICK);
    expect(later.actions.map((a) => a.action)).toEqual(['audio-only']);
    expect(later.state.holdMs).toBe(ADAPTIVE.firstHoldMs);
  });

  it('after video came back, the climbing estimate is not judged for 20 s; heavy loss still is', () => {
    const cut = feed(times(3, WEAK));
    const back = feed(times(ADAPTIVE.firstHoldMs / TICK, RECOVERED_AUDIO), cut.state, 3 * TICK);
    const restoredAt = back.actions[0]!.at;
    // The estimate restarts at about 110 kbit/s, the encoder held back by it, and climbs.
    const climbing = [110, 145, 102, 135, 150, 170, 190, 210, 240, 260, 300].map((k) => ({ ...GOOD, outgoingBitrate: k * 1000, bandwidthLimited: k < 300 }));
    expect(feed(climbing, back.state, restoredAt + TICK).actions).toEqual([]);
    expect(feed(times(3, { ...GOOD, loss: 0.12 }), back.state, restoredAt + TICK).actions).toHaveLength(1);
  });

  it('«Revenir à la vidéo» by hand during an automatic cut: no new cut for 5 minutes', () => {
    const cut = feed(times(3, WEAK));
    const now = 10 * TICK;
    const chosen = userChoseAudioOnly(cut.state, false, now);
    expect(chosen.auto).toBe(false);
    const weakAgain = feed(times(ADAPTIVE.overrideMs / TICK + 5, WEAK), chosen, now + TICK);
    expect(weakAgain.actions).toHaveLength(1);
    expect(weakAgain.actions[0]!.at).toBeGreaterThanOrEqual(now + ADAPTIVE.overrideMs);
  });
});
