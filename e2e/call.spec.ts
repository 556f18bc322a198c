/**
 * The video room (SPEC §7.2) in real Chromium with its fake camera and microphone, through the
 * real sync server and the real peer server with ticket checks.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { DOCTOR, login, NURSE, openFirstConsultation, type DemoAccount } from './helpers.ts';

async function professionalInRoom(browser: Browser, account: DemoAccount, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await login(page, account);
  await openFirstConsultation(page);
  await page.getByRole('button', { name: 'Rejoindre la salle' }).click();
  await expect(page.getByTestId('tile-self')).toBeVisible();
  return { page, close: () => context.close() };
}

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
      await button.focus();
      await expect(toolbar.getByRole('tooltip').filter({ hasText: label })).toBeVisible();
    }
    await doctor.page.keyboard.press('Alt+Shift+KeyM');
    await expect(toolbar.getByRole('button', { name: 'Réactiver le micro' })).toBeVisible();
  } finally {
    await doctor.close();
  }
});

for (const width of [375, 1280]) {
  test(`accessibility of the call on the consultation page at ${width}px`, async ({ browser }) => {
    const doctor = await professionalInRoom(browser, DOCTOR, { width, height: width < 600 ? 812 : 900 });
    try {
      const results = await new AxeBuilder({ page: doctor.page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    } finally {
      await doctor.close();
    }
  });
}
