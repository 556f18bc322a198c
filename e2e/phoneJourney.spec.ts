/**
 * The patient's journey on a phone (SPEC §7.2, issue 15), in real Chromium with its fake camera and
 * microphone, through the real servers: from the SMS link to seeing the doctor with one tap on
 * «Rejoindre», and out with one tap. Prints the time from the tap to the first remote frame.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { parisWallClock } from '../schema/consultation.ts';
import { DOCTOR, instantConsultationWithLink, login } from './helpers.ts';
import { joinLinkOf, waitForOutbox } from './outbox.ts';

const PHONES = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
];

/** A phone held upright: touch screen, mobile viewport, camera and microphone allowed. */
async function phone(browser: Browser, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, hasTouch: true, isMobile: true, permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  // What the page itself records: each touch it received, and when the first frame of a remote
  // participant's video was shown (a video element bound to a stream of the mesh's remotes).
  await page.addInitScript(() => {
    const probe = { touches: [] as number[], firstRemoteFrameAt: null as number | null };
    (window as unknown as { phoneProbe: typeof probe }).phoneProbe = probe;
    document.addEventListener('touchstart', () => probe.touches.push(performance.now()), { capture: true, passive: true });
    const watch = () => {
      const mesh = (window as unknown as { relaisCall?: { remotes: Map<string, { stream: MediaStream | null }> } }).relaisCall;
      const remoteTracks = new Set(mesh ? [...mesh.remotes.values()].flatMap((r) => r.stream?.getVideoTracks().map((t) => t.id) ?? []) : []);
      for (const video of document.querySelectorAll('video')) {
        const stream = video.srcObject;
        if (!(stream instanceof MediaStream) || !stream.getVideoTracks().some((t) => remoteTracks.has(t.id))) continue;
        if (video.videoWidth > 0 && (video.getVideoPlaybackQuality().totalVideoFrames > 0 || video.currentTime > 0)) {
          probe.firstRemoteFrameAt = performance.now();
          return;
        }
      }
      setTimeout(watch, 5);
    };
    watch();
  });
  return page;
}

const probe = (page: Page) =>
  page.evaluate(() => {
    const p = (window as unknown as { phoneProbe: { touches: number[]; firstRemoteFrameAt: number | null } }).phoneProbe;
    return { touches: p.touches.length, firstTouchAt: p.touches[0] ?? null, firstRemoteFrameAt: p.firstRemoteFrameAt };
  });

/** Frames decoded from the doctor, and how many frames the page showed of their video. */
function doctorVideo(page: Page): Promise<{ name: string | null; framesDecoded: number; shown: number }> {
  return page.evaluate(() => {
    const remote = [...(window.relaisCall?.remotes.values() ?? [])][0];
    const tracks = new Set(remote?.stream?.getVideoTracks().map((t) => t.id) ?? []);
    const video = [...document.querySelectorAll('video')].find((v) => v.srcObject instanceof MediaStream && v.srcObject.getVideoTracks().some((t) => tracks.has(t.id)));
    return { name: remote?.verifiedName ?? null, framesDecoded: remote?.framesDecoded ?? 0, shown: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0 };
  });
}

/** `box` lies wholly inside the screen, with the page not scrolled. */
async function onFirstScreen(page: Page, name: string, box: { x: number; y: number; width: number; height: number } | null): Promise<void> {
  const { innerWidth, innerHeight, scrollY } = await page.evaluate(() => ({ innerWidth: window.innerWidth, innerHeight: window.innerHeight, scrollY: window.scrollY }));
  expect(scrollY, 'the page is not scrolled').toBe(0);
  expect(box, `${name} is shown`).not.toBeNull();
  expect(box!.y, `${name} starts on screen`).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, `${name} ends above the bottom of a ${innerHeight}px-high screen`).toBeLessThanOrEqual(innerHeight);
  expect(box!.x + box!.width, `${name} within the width`).toBeLessThanOrEqual(innerWidth);
}

for (const viewport of PHONES) {
  test(`§7.2 a patient on a ${viewport.width}×${viewport.height} phone: SMS link, who and when, one tap to see the doctor, one tap to leave`, async ({ browser }) => {
    test.setTimeout(90_000);
    const doctorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const doctor = await doctorContext.newPage();
    const guest = await phone(browser, viewport);
    try {
      await login(doctor, DOCTOR);
      const { id, link } = await instantConsultationWithLink(doctor, `06 12 34 ${viewport.width === 360 ? '36' : '39'} 00`);
      await doctor.goto(`/consultations/${id}`);
      await doctor.getByRole('button', { name: 'Rejoindre la salle' }).click();
      await expect(doctor.getByRole('button', { name: /Quitter/ })).toBeVisible();

      await guest.goto(link);
      // With whom and when, in plain words.
      await expect(guest.getByText('Dr Claire Martin vous attend', { exact: true })).toBeVisible();
      await expect(guest.getByText(/^Rendez-vous aujourd’hui à \d{1,2}\sh(\s\d{2})?$/)).toBeVisible();
      const join = guest.getByRole('button', { name: 'Rejoindre', exact: true });
      await expect(join).toBeEnabled();
      await expect.poll(() => guest.evaluate(() => document.querySelector<HTMLVideoElement>('.prejoin video')?.videoWidth ?? 0)).toBeGreaterThan(0);

      // One screen, not scrolled: the preview, the sound check on one line, a big «Rejoindre».
      await onFirstScreen(guest, 'the preview', await guest.getByLabel('Votre image').boundingBox());
      const meter = guest.getByRole('meter', { name: 'Niveau du micro' });
      const speakerTest = guest.getByRole('button', { name: 'Tester le haut-parleur' });
      const meterBox = await meter.boundingBox();
      const speakerBox = await speakerTest.boundingBox();
      await onFirstScreen(guest, 'the microphone level', meterBox);
      await onFirstScreen(guest, '«Tester le haut-parleur»', speakerBox);
      expect(Math.abs(meterBox!.y + meterBox!.height / 2 - (speakerBox!.y + speakerBox!.height / 2)), 'level and speaker test on one line').toBeLessThan(12);
      const joinBox = await join.boundingBox();
      await onFirstScreen(guest, '«Rejoindre»', joinBox);
      expect(joinBox!.height, 'a big target').toBeGreaterThanOrEqual(48);
      expect(joinBox!.width).toBeGreaterThanOrEqual(viewport.width * 0.8);
      // The device pickers wait under «Réglages», closed.
      await expect(guest.locator('details.prejoin-settings')).not.toHaveAttribute('open');
      await expect(guest.getByLabel('Caméra')).toBeHidden();
      // Side margins, nothing wider than the screen.
      const heading = await guest.getByRole('heading', { level: 1 }).boundingBox();
      expect(heading!.x, 'the heading keeps off the screen edge').toBeGreaterThanOrEqual(12);
      expect(await guest.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      expect((await probe(guest)).touches, 'no tap yet').toBe(0);

      // One tap on «Rejoindre», then the doctor's video plays.
      await join.tap();
      await expect
        .poll(async () => (await probe(guest)).firstRemoteFrameAt, { timeout: 20_000, message: 'a frame of the doctor’s video should be shown' })
        .not.toBeNull();
      const joined = await probe(guest);
      expect(joined.touches, 'one tap to join').toBe(1);
      console.log(`first remote frame: ${Math.round(joined.firstRemoteFrameAt! - joined.firstTouchAt!)} ms (${viewport.width}×${viewport.height})`);
      const first = await doctorVideo(guest);
      expect(first.name).toBe('Dr Claire Martin');
      await expect
        .poll(async () => {
          const now = await doctorVideo(guest);
          return now.framesDecoded > 0 && now.shown > first.shown;
        }, { timeout: 15_000, message: 'the doctor’s video should keep playing' })
        .toBe(true);

      // One tap to leave.
      await guest.getByRole('button', { name: /Quitter/ }).tap();
      await expect(guest.getByText('Vous avez quitté la salle.')).toBeVisible();
      expect((await probe(guest)).touches, 'one tap to leave').toBe(2);
      const rejoin = guest.getByRole('button', { name: 'Revenir dans la salle' });
      await expect(rejoin).toBeVisible();
      await guest.evaluate(() => window.scrollTo(0, 0));
      await onFirstScreen(guest, '«Revenir dans la salle»', await rejoin.boundingBox());
      expect(await guest.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    } finally {
      await doctorContext.close();
      await guest.context().close();
    }
  });
}

test('§7.2 §9 a damaged link at 360 px: «Vérification du lien…», then «Ce lien n’est pas valide», nothing of the consultation', async ({ browser }) => {
  const doctorContext = await browser.newContext();
  const doctor = await doctorContext.newPage();
  const guest = await phone(browser, PHONES[0]!);
  try {
    await login(doctor, DOCTOR);
    const { link } = await instantConsultationWithLink(doctor, '06 12 34 36 01');
    const token = decodeURIComponent(link.split('/').pop()!);
    // One character of the signature changed (not the last, which partly carries padding bits).
    const at = token.length - 10;
    const damaged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    // A slow line, so that the check can be seen; the answer is the real server's.
    await guest.route('**/api/join', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    await guest.goto(`/rejoindre/${damaged}`);
    await expect(guest.getByRole('status')).toHaveText('Vérification du lien…');
    await expect(guest.getByRole('alert')).toHaveText('Ce lien n’est pas valide. Vérifiez que vous avez ouvert le lien complet reçu par SMS ou par e-mail.');
    await expect(guest.getByText(/vous attend|Rendez-vous|terminée/)).toHaveCount(0);
    await expect(guest.getByRole('button', { name: 'Rejoindre', exact: true })).toHaveCount(0);
    const box = await guest.getByRole('alert').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(12);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360 - 12);
    expect(await guest.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  } finally {
    await doctorContext.close();
    await guest.context().close();
  }
});

test('§6 a valid link before its window says with whom, when, and when to come back; the page opens by itself, then says it is over', async ({ browser }) => {
  const doctorContext = await browser.newContext();
  const doctor = await doctorContext.newPage();
  const guest = await phone(browser, PHONES[0]!);
  try {
    await login(doctor, DOCTOR);
    // An appointment in two days at 10:30, Paris time; its invitation goes out by SMS.
    const patient = await doctor.request.post('/api/patients', { data: { birthName: 'Fenetre', firstNames: 'Odette', birthDate: '1939-03-04', sex: 'F', mobile: '06 12 34 36 02' } });
    expect(patient.status(), await patient.text()).toBe(201);
    const patientId = ((await patient.json()) as { patient: { id: string } }).patient.id;
    const day = parisWallClock(Date.now() + 2 * 24 * 60 * 60_000).date;
    const created = await doctor.request.post('/api/consultations', {
      data: {
        patientId,
        consent: { givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() },
        patientContacts: { mobile: '06 12 34 36 02' },
        companion: { kind: 'none' },
        slot: { mode: 'later', date: day, time: '10:30', durationMinutes: 30 },
        reason: 'Suivi',
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const { id, start } = ((await created.json()) as { consultation: { id: string; start: string } }).consultation;
    const link = (await waitForOutbox(doctor.request, joinLinkOf(id), 'the invitation'))[1]!;

    await guest.clock.install();
    await guest.goto(link);
    await expect(guest.getByText('Votre rendez-vous avec Dr Claire Martin', { exact: true })).toBeVisible();
    const weekday = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(start));
    await expect(guest.getByText(new RegExp(`^Rendez-vous le ${weekday} à 10\\sh\\s30$`))).toBeVisible();
    const [y, m, d] = day.split('-');
    await expect(guest.getByRole('status')).toHaveText(`La salle ouvrira le ${d}/${m}/${y} à 10:15. Revenez à ce moment-là avec ce même lien.`);
    await expect(guest.getByRole('button', { name: 'Rejoindre', exact: true })).toHaveCount(0);

    // The phone left on the page: at 10:15 the pre-join opens by itself...
    await guest.clock.fastForward(Date.parse(start) - 10 * 60_000 - Date.now());
    await expect(guest.getByRole('button', { name: 'Rejoindre', exact: true })).toBeVisible();
    await expect(guest.getByText('Dr Claire Martin vous attend', { exact: true })).toBeVisible();
    // ...and after the window (45 minutes after the slot), it says the consultation is over.
    await guest.clock.fastForward(2 * 60 * 60_000);
    await expect(guest.getByRole('status')).toHaveText('Cette téléconsultation est terminée. Vous pouvez fermer cette page.');
    await expect(guest.getByRole('button', { name: 'Rejoindre', exact: true })).toHaveCount(0);
  } finally {
    await doctorContext.close();
    await guest.context().close();
  }
});
