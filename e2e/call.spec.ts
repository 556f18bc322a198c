/**
 * The video room (SPEC §7.2) in real Chromium with its fake camera and microphone, through the
 * real sync server and the real peer server with ticket checks.
 */
import { expect, test, type Page } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { DOCTOR, instantConsultationWithLink, login, NURSE, professionalInRoom } from './helpers.ts';
import { joinLinkOf, waitForOutbox } from './outbox.ts';

/** Width of the video the page receives from its first remote tile (0 while no frame came). */
function remoteVideoWidth(page: Page): Promise<number> {
  return page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="tile-remote"] video');
    return video ? video.videoWidth : 0;
  });
}

/** The encodings the page sends its first peer's video with. */
function videoEncodings(page: Page): Promise<{ maxBitrate?: number; scaleResolutionDownBy?: number }[]> {
  return page.evaluate(() => {
    const mesh = window.relaisCall;
    const peerId = mesh ? [...mesh.remotes.keys()][0] : undefined;
    const pc = mesh && peerId ? mesh.connectionWith(peerId) : null;
    const sender = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
    return (sender?.getParameters().encodings ?? []).map((e) => ({ maxBitrate: e.maxBitrate, scaleResolutionDownBy: e.scaleResolutionDownBy }));
  });
}

test('§7.2 two professionals in one call see each other; mute shows on the tile; layout switch; leave', async ({ browser }) => {
  const doctor = await professionalInRoom(browser, DOCTOR);
  const nurse = await professionalInRoom(browser, NURSE);
  try {
    // Each receives the other's video.
    await expect.poll(() => remoteVideoWidth(doctor.page), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => remoteVideoWidth(nurse.page), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect(doctor.page.getByTestId('tile-remote')).toContainText('Sophie Bernard (IDE)');
    await expect(nurse.page.getByTestId('tile-remote')).toContainText('Dr Claire Martin');

    // «Couper le micro» on one side shows on the other's tile.
    await doctor.page.getByRole('button', { name: 'Couper le micro' }).click();
    await expect(doctor.page.getByRole('button', { name: 'Réactiver le micro' })).toHaveAttribute('aria-pressed', 'true');
    await expect(nurse.page.getByTestId('tile-remote').getByText('Micro coupé')).toBeVisible();
    await doctor.page.getByRole('button', { name: 'Réactiver le micro' }).click();
    await expect(nurse.page.getByTestId('tile-remote').getByText('Micro coupé')).toHaveCount(0);

    // Camera off shows too.
    await nurse.page.getByRole('button', { name: 'Désactiver la caméra' }).click();
    await expect(doctor.page.getByTestId('tile-remote').getByText('Caméra désactivée')).toBeVisible();
    await nurse.page.getByRole('button', { name: 'Activer la caméra' }).click();
    await expect(doctor.page.getByTestId('tile-remote').getByText('Caméra désactivée')).toHaveCount(0);

    // «Mode audio seul»: no video leaves in either direction, the others see it on the tile.
    const videoTrackSent = (page: Page) =>
      page.evaluate(() => {
        const mesh = window.relaisCall!;
        const pc = mesh.connectionWith([...mesh.remotes.keys()][0]!);
        return pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender.track?.readyState ?? 'none';
      });
    await nurse.page.getByRole('button', { name: 'Mode audio seul' }).click();
    await expect(doctor.page.getByTestId('tile-remote').getByText('Audio seul')).toBeVisible();
    await expect.poll(() => videoTrackSent(nurse.page)).toBe('none');
    await expect.poll(() => videoTrackSent(doctor.page)).toBe('none');
    await nurse.page.getByRole('button', { name: 'Revenir à la vidéo' }).click();
    await expect.poll(() => videoTrackSent(doctor.page)).toBe('live');
    await expect.poll(() => videoTrackSent(nurse.page)).toBe('live');

    // «Partager l'écran»: the screen replaces the camera on the same connection.
    const cameraId = await doctor.page.evaluate(() => window.relaisCall!.localVideoTrack().id);
    await doctor.page.getByRole('button', { name: 'Partager l’écran' }).click();
    await expect(doctor.page.getByRole('button', { name: 'Arrêter le partage d’écran' })).toHaveAttribute('aria-pressed', 'true');
    await expect(nurse.page.getByTestId('tile-remote').getByText('Partage d’écran')).toBeVisible();
    const sentId = () =>
      doctor.page.evaluate(() => {
        const mesh = window.relaisCall!;
        const pc = mesh.connectionWith([...mesh.remotes.keys()][0]!);
        return pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender.track?.id ?? '';
      });
    await expect.poll(sentId).not.toBe(cameraId);
    await doctor.page.getByRole('button', { name: 'Arrêter le partage d’écran' }).click();
    await expect.poll(sentId).toBe(cameraId);
    await expect(nurse.page.getByTestId('tile-remote').getByText('Partage d’écran')).toHaveCount(0);

    // «Changer l'affichage des vignettes»: grid → speaker → hidden → grid, also by keyboard.
    const call = doctor.page.locator('.call');
    await expect(call).toHaveAttribute('data-layout', 'grid');
    await doctor.page.getByRole('button', { name: 'Changer l’affichage des vignettes' }).click();
    await expect(call).toHaveAttribute('data-layout', 'speaker');
    await expect(doctor.page.getByText('Affichage : orateur')).toBeVisible();
    await doctor.page.keyboard.press('Alt+Shift+KeyA');
    await expect(call).toHaveAttribute('data-layout', 'hidden');
    await expect(doctor.page.getByTestId('tile-self')).toHaveCount(0);
    await expect(doctor.page.getByTestId('tile-remote')).toHaveCount(1);
    await doctor.page.keyboard.press('Alt+Shift+KeyA');
    await expect(call).toHaveAttribute('data-layout', 'grid');

    // «Externaliser la vidéo»: Picture-in-Picture, or a separate window where PiP is missing.
    const popup = doctor.page.context().waitForEvent('page', { timeout: 5_000 }).catch(() => null);
    await doctor.page.getByRole('button', { name: 'Externaliser la vidéo' }).click();
    const inPip = await doctor.page
      .waitForFunction(() => document.pictureInPictureElement !== null, undefined, { timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    const videoWindow = inPip ? null : await popup;
    expect(inPip || videoWindow !== null, 'the video is in Picture-in-Picture or in its own window').toBe(true);
    if (videoWindow) {
      await expect.poll(() => videoWindow.evaluate(() => document.querySelector('video')?.videoWidth ?? 0)).toBeGreaterThan(0);
      await videoWindow.close();
    } else {
      await doctor.page.evaluate(() => document.exitPictureInPicture());
    }

    // The outgoing video is capped: 500 kbit/s per peer at two, about 360p.
    await expect.poll(async () => (await videoEncodings(doctor.page))[0]?.maxBitrate, { timeout: 10_000 }).toBe(500_000);
    const encoding = (await videoEncodings(doctor.page))[0]!;
    expect(encoding.scaleResolutionDownBy ?? 1).toBeGreaterThanOrEqual(1);
    const sentHeight = await doctor.page.evaluate(() => window.relaisCall!.localVideoTrack().getSettings().height ?? 0);
    expect(sentHeight / (encoding.scaleResolutionDownBy ?? 1)).toBeLessThanOrEqual(360);

    // «Quitter la salle»: the other sees them go.
    await nurse.page.getByRole('button', { name: 'Quitter la salle' }).click();
    await expect(nurse.page.getByText('Vous avez quitté la salle.')).toBeVisible();
    await expect(doctor.page.getByTestId('tile-remote')).toHaveCount(0);
    await expect(doctor.page.getByText('Vous êtes seul dans la salle.', { exact: false })).toBeVisible();
  } finally {
    await doctor.close();
    await nurse.close();
  }
});

test('§7.2 a dropped connection is recovered without the user doing anything', async ({ browser }) => {
  const doctor = await professionalInRoom(browser, DOCTOR);
  const nurse = await professionalInRoom(browser, NURSE);
  try {
    await expect.poll(() => remoteVideoWidth(doctor.page), { timeout: 20_000 }).toBeGreaterThan(0);
    // The network under the doctor's connection to the nurse dies.
    await doctor.page.evaluate(() => {
      const mesh = window.relaisCall!;
      const peerId = [...mesh.remotes.keys()][0]!;
      const pc = mesh.connectionWith(peerId)!;
      (window as unknown as { droppedPc: RTCPeerConnection }).droppedPc = pc;
      pc.close();
    });
    // A new connection replaces it, and frames flow again on both sides.
    const recovered = () =>
      doctor.page.evaluate(() => {
        const mesh = window.relaisCall!;
        const peerId = [...mesh.remotes.keys()][0];
        const pc = peerId ? mesh.connectionWith(peerId) : null;
        const dropped = (window as unknown as { droppedPc: RTCPeerConnection }).droppedPc;
        return pc !== null && pc !== dropped && pc.connectionState === 'connected';
      });
    await expect.poll(recovered, { timeout: 30_000, message: 'a new peer connection should replace the dropped one' }).toBe(true);
    const frames = (page: Page) => page.evaluate(() => [...window.relaisCall!.remotes.values()][0]?.framesDecoded ?? 0);
    const before = await frames(nurse.page);
    await expect.poll(() => frames(nurse.page), { timeout: 15_000 }).toBeGreaterThan(before);
    await expect.poll(() => remoteVideoWidth(doctor.page), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect(doctor.page.getByText('Reconnexion…')).toHaveCount(0);
  } finally {
    await doctor.close();
    await nurse.close();
  }
});

test('§7.2 a page that goes offline and comes back is in the call again without reload', async ({ browser }) => {
  const doctor = await professionalInRoom(browser, DOCTOR);
  const nurse = await professionalInRoom(browser, NURSE);
  try {
    await expect.poll(() => remoteVideoWidth(nurse.page), { timeout: 20_000 }).toBeGreaterThan(0);
    await nurse.page.context().setOffline(true);
    await nurse.page.waitForTimeout(3_000);
    await nurse.page.context().setOffline(false);
    const frames = (page: Page) => page.evaluate(() => [...window.relaisCall!.remotes.values()][0]?.framesDecoded ?? 0);
    for (const page of [doctor.page, nurse.page]) {
      const before = await frames(page);
      await expect.poll(() => frames(page), { timeout: 30_000 }).toBeGreaterThan(before);
      await expect(page.getByTestId('tile-remote')).toHaveCount(1);
    }
    await expect(doctor.page.getByText('Reconnexion…')).toHaveCount(0, { timeout: 30_000 });
    // Still one call: mute on one side shows on the other.
    await nurse.page.getByRole('button', { name: 'Couper le micro' }).click();
    await expect(doctor.page.getByTestId('tile-remote').getByText('Micro coupé')).toBeVisible();
  } finally {
    await doctor.close();
    await nurse.close();
  }
});

test('§7.2 each control has a French tooltip and a keyboard shortcut', async ({ browser }) => {
  const doctor = await professionalInRoom(browser, DOCTOR);
  try {
    const toolbar = doctor.page.getByRole('toolbar', { name: 'Commandes de l’appel' });
    for (const label of [
      'Inviter un participant',
      'Prendre une photo',
      'Changer l’affichage des vignettes',
      'Externaliser la vidéo',
      'Désactiver la caméra',
      'Couper le micro',
      'Partager l’écran',
      'Mode audio seul',
      'Quitter la salle',
    ]) {
      const button = toolbar.getByRole('button', { name: label, exact: true });
      await expect(button).toHaveAttribute('aria-keyshortcuts', /^Alt\+Shift\+[A-Z]$/);
      // Shown on keyboard focus (:focus-visible): reach the button with Tab, as a keyboard user does.
      await button.focus();
      await doctor.page.keyboard.press('Tab');
      await doctor.page.keyboard.press('Shift+Tab');
      await expect(button).toBeFocused();
      await expect(toolbar.getByRole('tooltip').filter({ hasText: label })).toBeVisible();
    }
    await doctor.page.keyboard.press('Alt+Shift+KeyM');
    await expect(toolbar.getByRole('button', { name: 'Réactiver le micro' })).toBeVisible();
  } finally {
    await doctor.close();
  }
});

test('§7.2 a patient joins by link from a phone: pre-join, «Rejoindre», sees and is seen by the doctor', async ({ browser }) => {
  const doctorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const doctor = await doctorContext.newPage();
  const guestContext = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const guest = await guestContext.newPage();
  try {
    await login(doctor, DOCTOR);
    const { id, link } = await instantConsultationWithLink(doctor, 'patient.appel@example.org');
    await doctor.goto(`/consultations/${id}`);
    await doctor.getByRole('button', { name: 'Rejoindre la salle' }).click();

    await guest.goto(link);
    await expect(guest.getByRole('heading', { level: 1, name: 'Téléconsultation' })).toBeVisible();
    // Pre-join: own picture, a microphone level that moves, speaker test, devices.
    await expect.poll(() => guest.evaluate(() => document.querySelector<HTMLVideoElement>('.prejoin video')?.videoWidth ?? 0)).toBeGreaterThan(0);
    await expect.poll(() => guest.evaluate(() => Number(document.querySelector('meter')?.value ?? 0)), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(guest.getByRole('button', { name: 'Tester le haut-parleur' })).toBeVisible();
    // The device choice is folded under «Réglages».
    await expect(guest.getByLabel('Caméra')).toBeHidden();
    await guest.locator('summary', { hasText: 'Réglages' }).click();
    await expect(guest.getByLabel('Caméra')).toBeVisible();
    await expect(guest.getByLabel('Micro', { exact: true })).toBeVisible();
    const join = guest.getByRole('button', { name: 'Rejoindre', exact: true });
    const box = await join.boundingBox();
    expect(box!.height, 'a large target for a phone').toBeGreaterThanOrEqual(48);
    await join.click();

    await expect.poll(() => remoteVideoWidth(guest), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => remoteVideoWidth(doctor), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect(guest.getByTestId('tile-remote')).toContainText('Dr Claire Martin');
    // Portrait phone: nothing wider than the screen.
    expect(await guest.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // A guest has no photo or invitation control, and never the dossier.
    await expect(guest.getByRole('button', { name: 'Prendre une photo' })).toHaveCount(0);
    await expect(guest.getByRole('heading', { name: 'Dossier' })).toHaveCount(0);
    await guest.getByRole('button', { name: 'Couper le micro' }).click();
    await expect(doctor.getByTestId('tile-remote').getByText('Micro coupé')).toBeVisible();

    // «Prendre une photo» of the patient's tile: into the dossier.
    await doctor.getByRole('button', { name: 'Prendre une photo' }).click();
    await expect(doctor.getByText(/^Photo ajoutée au dossier : Photo .*\.jpg\.$/)).toBeVisible();

    // A PDF of the dossier sent in the call appears on the patient's page at once, to download.
    const pdf = await PDFDocument.create();
    pdf.addPage().drawText('Ordonnance');
    const uploaded = await doctor.request.post(`/api/consultations/${id}/documents?name=ordonnance.pdf`, {
      headers: { 'Content-Type': 'application/pdf' },
      data: Buffer.from(await pdf.save()),
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
    await doctor.getByLabel('Envoyer un document au patient').selectOption({ label: 'ordonnance.pdf' });
    await doctor.getByRole('button', { name: 'Envoyer au patient', exact: true }).click();
    await expect(guest.getByText('Document reçu — ordonnance.pdf')).toBeVisible();
    const download = guest.getByRole('link', { name: 'Télécharger ordonnance.pdf' });
    const href = await download.getAttribute('href');
    const fetched = await guest.request.get(href!);
    expect(fetched.status()).toBe(200);
    expect((await fetched.body()).subarray(0, 5).toString()).toBe('%PDF-');
  } finally {
    await doctorContext.close();
    await guestContext.close();
  }
});

test('§6 §9 a join link: forged, or its window rewritten, the page says it is not valid; a guest token opens no dossier', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await login(page, DOCTOR);
    const { id, link } = await instantConsultationWithLink(page, 'patient.refus@example.org');
    const token = decodeURIComponent(link.split('/').pop()!);
    // The dossier document refuses the guest's token; the room accepts it.
    const outcome = (doc: string) =>
      page.evaluate(
        ([doc, token]) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/sync/${doc}?invitation=${encodeURIComponent(token)}`);
            ws.onopen = () => {
              ws.close();
              resolve('open');
            };
            ws.onerror = () => resolve('refused');
          }),
        [doc, token] as const,
      );
    await page.context().clearCookies();
    expect(await outcome(`room/${id}`)).toBe('open');
    expect(await outcome(`dossier/${id}`)).toBe('refused');
    // A forged token: the page says the link is not valid... and the server refuses a ticket.
    // A character inside the MAC (the last one of a base64url MAC partly carries padding bits).
    const at = token.length - 10;
    const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    const ticket = await page.request.post(`/api/room/${id}/peer-ticket`, { headers: { Authorization: `Invitation ${forged}` } });
    expect(ticket.status()).toBe(401);
    await page.goto('/rejoindre/pas-un-jeton');
    await expect(page.getByRole('alert')).toHaveText(/Ce lien n’est pas valide/);
    await page.goto(`/rejoindre/${forged}`);
    await expect(page.getByRole('alert')).toHaveText(/Ce lien n’est pas valide/);

    // A window rewritten in the link is a damaged link too: the server checks it, not the page
    // (valid links out of their window: phoneJourney.spec.ts).
    const parts = token.split('.');
    const base36 = (iso: string) => Date.parse(iso).toString(36);
    for (const [opens, closes] of [
      ['2030-06-12T07:45:00Z', '2030-06-12T09:00:00Z'],
      ['2020-06-12T07:45:00Z', '2020-06-12T09:00:00Z'],
    ] as const) {
      parts[3] = base36(opens);
      parts[4] = base36(closes);
      await page.goto(`/rejoindre/${parts.join('.')}`);
      await expect(page.getByRole('alert')).toHaveText(/Ce lien n’est pas valide/);
      await expect(page.getByRole('button', { name: 'Rejoindre', exact: true })).toHaveCount(0);
    }
  } finally {
    await context.close();
  }
});

test('§7.2 «Inviter un participant» during the call sends an invitation with a join link', async ({ browser }) => {
  const doctor = await professionalInRoom(browser, DOCTOR);
  try {
    await doctor.page.keyboard.press('Alt+Shift+KeyI');
    const dialog = doctor.page.getByRole('dialog', { name: 'Inviter un participant' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    await expect(dialog.getByRole('alert')).toHaveText('Indiquez une adresse e-mail ou un numéro de mobile.');
    await dialog.getByLabel('Nom de la personne').fill('Marie Dupont (fille)');
    await dialog.getByLabel('Téléphone mobile').fill('0612');
    await dialog.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    await expect(dialog.getByRole('alert')).toContainText('mobile valide');
    await dialog.getByLabel('Téléphone mobile').fill('');
    await dialog.getByLabel('Adresse e-mail').fill('marie.fille@example.org');
    await dialog.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(doctor.page.getByText('Invitation envoyée.')).toBeVisible();
    await expect
      .poll(async () => {
        const list = await (await doctor.page.request.get('/dev/outbox')).text();
        return list.includes('marie.fille@example.org');
      })
      .toBe(true);
  } finally {
    await doctor.close();
  }
});

test('§7.2 three participants (doctor, patient by link, relative by link): each receives frames from the two others', async ({ browser }) => {
  const doctorContext = await browser.newContext();
  const doctor = await doctorContext.newPage();
  const guests: Page[] = [];
  try {
    await login(doctor, DOCTOR);
    const { id, link } = await instantConsultationWithLink(doctor, 'patient.trois@example.org');
    // The relative is invited from the consultation's invitations, as «Inviter un participant» does.
    const invited = await doctor.request.post(`/api/consultations/${id}/invitations`, { data: { name: 'Marie (fille)', email: 'marie.trois@example.org' } });
    expect(invited.status(), await invited.text()).toBe(201);
    const relativeLink = (await waitForOutbox(doctor.request, new RegExp(`marie\\.trois@example\\.org[\\s\\S]*${joinLinkOf(id).source}`), 'the relative’s invitation'))[1]!;
    expect(relativeLink).not.toBe(link);
    await doctor.goto(`/consultations/${id}`);
    await doctor.getByRole('button', { name: 'Rejoindre la salle' }).click();
    for (const path of [link, relativeLink]) {
      const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
      const page = await context.newPage();
      await page.goto(path);
      await page.getByRole('button', { name: 'Rejoindre', exact: true }).click();
      guests.push(page);
    }
    const framesPerRemote = (page: Page) => page.evaluate(() => [...window.relaisCall!.remotes.values()].map((r) => r.framesDecoded));
    for (const page of [doctor, ...guests]) {
      await expect.poll(async () => (await framesPerRemote(page)).length, { timeout: 20_000 }).toBe(2);
      const first = await framesPerRemote(page);
      await expect
        .poll(async () => {
          const now = await framesPerRemote(page);
          return now.length === 2 && now.every((f, i) => f > (first[i] ?? 0));
        }, { timeout: 20_000, message: 'frames from both others should keep being decoded' })
        .toBe(true);
    }
    await expect(guests[0]!.getByTestId('tile-remote').filter({ hasText: 'Marie (fille)' })).toBeVisible();
    // The outgoing cap drops for three.
    await expect.poll(async () => (await videoEncodings(doctor))[0]?.maxBitrate, { timeout: 10_000 }).toBe(400_000);
  } finally {
    for (const page of guests) await page.context().close();
    await doctorContext.close();
  }
});
