/**
 * A call through a real TURN server (SPEC §8, issue 15): Debian's coturn started here in the
 * REST-secret mode, a Relais server of its own with `TURN_URLS`, `TURN_SECRET` and
 * `ICE_TRANSPORT_POLICY=relay`, so the browsers may use nothing but relay candidates — what an
 * EHPAD behind a firewall that lets only the TURN server through gets.
 *
 * Skipped, with the reason, where `turnserver` is not installed (`.ci/run` installs it).
 */
import { createHmac } from 'node:crypto';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { PeerTicketResponse } from '../schema/room.ts';
import { coturnMissing, startCoturn, type Coturn } from '../scripts/turn/coturn.ts';
import { startLinkEmulator, UNLIMITED, weakLine } from '../scripts/turn/linkEmulator.ts';
import { startRelaisServer, type RelaisServer } from '../scripts/turn/relaisServer.ts';
import { routeTurnThrough } from '../scripts/turn/routeTurn.ts';
import { instantConsultationWithLink } from './outbox.ts';
import { DOCTOR, login } from './helpers.ts';

const missing = coturnMissing();

test.describe('§8 calls through coturn, relay candidates only', () => {
  // Skipped only on a machine without Debian's coturn (`turnserver`), such as a developer's laptop:
  // these tests need a real TURN server and start their own. `.ci/run` installs coturn, so CI runs them.
  test.skip(missing !== null, `no TURN server to test with: ${missing}`);

  let turn: Coturn;
  let server: RelaisServer;

  test.beforeAll(async () => {
    test.setTimeout(200_000);
    // Moderate verbosity: coturn logs each allocation with its user name.
    turn = await startCoturn({ args: ['--verbose'] });
    server = await startRelaisServer({
      TURN_URLS: turn.url,
      TURN_SECRET: turn.secret,
      ICE_TRANSPORT_POLICY: 'relay',
      // The shared test server (playwright.config.ts) has just built the client.
      RELAIS_SKIP_BUILD: '1',
    });
  });

  test.afterAll(async () => {
    await server?.stop();
    await turn?.stop();
  });

  async function contextOn(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ ...options, baseURL: server.baseUrl });
    return { context, page: await context.newPage() };
  }

  /** Candidate types the page gathers with these ICE servers and relay only (no call needed). */
  function gather(page: Page, iceServers: PeerTicketResponse['iceServers']): Promise<{ types: string[]; errors: number[] }> {
    return page.evaluate(async (servers) => {
      const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
      const types: string[] = [];
      const errors: number[] = [];
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate?.type) types.push(e.candidate.type);
      });
      pc.addEventListener('icecandidateerror', (e) => errors.push(e.errorCode));
      const complete = new Promise<void>((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
      });
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await Promise.race([complete, new Promise((r) => setTimeout(r, 8_000))]);
      pc.close();
      return { types, errors };
    }, iceServers);
  }

  test('the peer ticket carries short-lived coturn credentials: they allocate a relay; a forged or expired one does not', async ({ browser }) => {
    const { context, page } = await contextOn(browser);
    try {
      await login(page, DOCTOR);
      const { id } = await instantConsultationWithLink(page.request, 'patient.turn.ticket@example.org');
      const response = await page.request.post(`/api/room/${id}/peer-ticket`);
      expect(response.status(), await response.text()).toBe(200);
      const ticket = (await response.json()) as PeerTicketResponse;
      expect(ticket.iceTransportPolicy).toBe('relay');
      expect(ticket.iceServers).toHaveLength(1);
      const server = ticket.iceServers[0]!;
      expect(server.urls).toEqual([turn.url]);
      // coturn's REST scheme: "<expiry, epoch seconds>:<peer id>", password HMAC-SHA1 of it.
      const [expiry, who] = server.username!.split(':');
      expect(who).toBe(ticket.peerId);
      const inHours = (Number(expiry) - Date.now() / 1000) / 3600;
      expect(inHours).toBeGreaterThan(3.9);
      expect(inHours).toBeLessThanOrEqual(4);
      expect(server.credential).toBe(createHmac('sha1', turn.secret).update(server.username!).digest('base64'));

      expect((await gather(page, ticket.iceServers)).types, 'the ticket’s credentials allocate a relay on coturn').toContain('relay');

      const forged = { ...server, credential: createHmac('sha1', 'not-the-secret').update(server.username!).digest('base64') };
      expect((await gather(page, [forged])).types, 'a password not made with the secret allocates nothing').toEqual([]);

      const expiredName = `${Math.floor(Date.now() / 1000) - 60}:${ticket.peerId}`;
      const expired = { ...server, username: expiredName, credential: createHmac('sha1', turn.secret).update(expiredName).digest('base64') };
      expect((await gather(page, [expired])).types, 'an expired username allocates nothing, even well signed').toEqual([]);
    } finally {
      await context.close();
    }
  });

  /** What the page's connection to its first peer goes through, and what it received so far. */
  function callPath(page: Page): Promise<{ local: string; remote: string; turnUrl: string; videoFrames: number; audioPackets: number } | null> {
    return page.evaluate(async () => {
      const mesh = window.relaisCall;
      const peerId = mesh ? [...mesh.remotes.keys()][0] : undefined;
      const pc = mesh && peerId ? mesh.connectionWith(peerId) : null;
      if (!pc) return null;
      const stats = await pc.getStats();
      let pairId = '';
      let videoFrames = 0;
      let audioPackets = 0;
      stats.forEach((s: RTCStats & Record<string, unknown>) => {
        if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
        if (s.type === 'inbound-rtp' && s.kind === 'video') videoFrames += Number(s.framesDecoded ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'audio') audioPackets += Number(s.packetsReceived ?? 0);
      });
      const pair = pairId ? (stats.get(pairId) as { localCandidateId: string; remoteCandidateId: string } | undefined) : undefined;
      if (!pair) return null;
      const local = stats.get(pair.localCandidateId) as { candidateType: string; url?: string } | undefined;
      const remote = stats.get(pair.remoteCandidateId) as { candidateType: string } | undefined;
      return { local: local?.candidateType ?? '', remote: remote?.candidateType ?? '', turnUrl: local?.url ?? '', videoFrames, audioPackets };
    });
  }

  test('a doctor and a patient by link: the call goes through the relay, video and sound flow both ways', async ({ browser }) => {
    test.setTimeout(90_000);
    const doctor = await contextOn(browser, { viewport: { width: 1280, height: 900 } });
    const patient = await contextOn(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    try {
      await login(doctor.page, DOCTOR);
      const { id, link } = await instantConsultationWithLink(doctor.page.request, 'patient.turn@example.org');
      await doctor.page.goto(`/consultations/${id}`);
      await doctor.page.getByRole('button', { name: 'Rejoindre la salle' }).click();

      await patient.page.goto(link);
      const ticketResponse = patient.page.waitForResponse((r) => r.url().endsWith(`/api/room/${id}/peer-ticket`) && r.status() === 200);
      await patient.page.getByRole('button', { name: 'Rejoindre', exact: true }).click();
      const patientTicket = (await (await ticketResponse).json()) as PeerTicketResponse;

      for (const [who, page] of [['doctor', doctor.page], ['patient', patient.page]] as const) {
        await expect
          .poll(async () => {
            const path = await callPath(page);
            return path ? `${path.local}/${path.remote}` : 'no connection yet';
          }, { timeout: 30_000, message: `the ${who}'s selected candidate pair is relay on both ends` })
          .toBe('relay/relay');
        expect((await callPath(page))!.turnUrl).toContain(`127.0.0.1:${turn.port}`);
        // Media keeps arriving through it: decoded video frames and audio packets grow.
        const before = (await callPath(page))!;
        await expect
          .poll(async () => {
            const now = await callPath(page);
            return now !== null && now.videoFrames > before.videoFrames + 10 && now.audioPackets > before.audioPackets + 20;
          }, { timeout: 20_000, message: `the ${who} keeps receiving video frames and audio packets` })
          .toBe(true);
      }
      // What the patient sees: the doctor's picture.
      await expect
        .poll(() => patient.page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid="tile-remote"] video')?.videoWidth ?? 0))
        .toBeGreaterThan(0);
      // coturn allocated a relay for the patient's short-lived user name, the one in its ticket,
      // and bound a channel to the doctor's relay through it.
      const patientUser = patientTicket.iceServers[0]!.username!;
      expect(patientUser.endsWith(`:${patientTicket.peerId}`)).toBe(true);
      expect(turn.log()).toContain(`user <${patientUser}>: incoming packet ALLOCATE processed, success`);
      expect(turn.log()).toContain(`user <${patientUser}>: incoming packet CHANNEL_BIND processed, success`);
    } finally {
      await doctor.context.close();
      await patient.context.close();
    }
  });

  test('on a weak line the call goes audio-only by itself and says so; the sound goes on', async ({ browser }) => {
    // The line (300 kbit/s, 150 ms and 3 % loss each way) between the patient and coturn:
    // scripts/turn/linkEmulator.ts, since this kernel has no netem. Figures: docs/CALLS.md.
    test.setTimeout(180_000);
    const emulator = await startLinkEmulator({ targetPort: turn.port, up: UNLIMITED, down: UNLIMITED, seed: 15 });
    const doctor = await contextOn(browser, { viewport: { width: 1280, height: 900 } });
    const patient = await contextOn(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await routeTurnThrough(patient.context, turn.port, emulator.port);
      await login(doctor.page, DOCTOR);
      const { id, link } = await instantConsultationWithLink(doctor.page.request, 'patient.faible@example.org');
      await doctor.page.goto(`/consultations/${id}`);
      await doctor.page.getByRole('button', { name: 'Rejoindre la salle' }).click();
      await patient.page.goto(link);
      await patient.page.getByRole('button', { name: 'Rejoindre', exact: true }).click();
      const videoFrames = async (page: Page) => (await callPath(page))?.videoFrames ?? 0;
      await expect.poll(() => videoFrames(patient.page), { timeout: 30_000 }).toBeGreaterThan(30);

      emulator.setProfile(weakLine(), weakLine());
      // One of the two pages (whichever measures it first) cuts video and says why, in plain French.
      const weakNotice = 'Connexion faible : la vidéo est coupée pour garder le son.';
      const switched = async () => {
        for (const [who, page] of [['patient', patient.page], ['doctor', doctor.page]] as const) {
          if (await page.getByRole('status').filter({ hasText: weakNotice }).isVisible()) return who;
        }
        return 'neither yet';
      };
      await expect.poll(switched, { timeout: 75_000, intervals: [1_000], message: 'a page says the line is weak' }).not.toBe('neither yet');
      const who = await switched();
      const [weakPage, otherPage] = who === 'patient' ? [patient.page, doctor.page] : [doctor.page, patient.page];
      await expect(weakPage.getByRole('button', { name: 'Revenir à la vidéo' })).toBeVisible();
      await expect(otherPage.getByTestId('tile-remote').getByText('Audio seul')).toBeVisible();
      expect(await weakPage.evaluate(() => window.relaisCall!.autoAudioOnly)).toBe(true);
      // No video either way now (once what was in flight on the line arrived); the sound goes on.
      await patient.page.waitForTimeout(3_000);
      const framesAt = await Promise.all([videoFrames(patient.page), videoFrames(doctor.page)]);
      const audioAt = (await callPath(patient.page))!.audioPackets;
      await patient.page.waitForTimeout(4_000);
      expect(await Promise.all([videoFrames(patient.page), videoFrames(doctor.page)])).toEqual(framesAt);
      expect((await callPath(patient.page))!.audioPackets).toBeGreaterThan(audioAt + 100);

    } finally {
      await doctor.context.close();
      await patient.context.close();
      await emulator.stop();
    }
  });
});
