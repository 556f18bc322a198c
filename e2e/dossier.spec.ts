/**
 * The télédossier end to end in Chromium against the real server (SPEC §7.1.2–§7.1.4, §7.3):
 * signature image, «Signer», «Générer le PDF», «modifiée après signature», «Ajouter un document»
 * with its progress bar, «Appliquer la signature», the vault send and the patient's vault page,
 * «Exporter»; axe-core on the new pages.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { DOCTOR, NURSE, expectNoSeriousViolation, ficheField, login, openFirstConsultation, typeAtEnd, waitUntilOnline } from './helpers.ts';
import { png, samplePdf, signaturePng } from '../sync-server/testing/images.ts';
import { pdfPageTexts } from '../sync-server/testing/pdfText.ts';
import { waitForOutbox } from './outbox.ts';

/** The outbox message matching `pattern` (the local outbox: no SMTP configured). */
const fromOutbox = (page: Page, pattern: RegExp): Promise<RegExpExecArray> => waitForOutbox(page.request, pattern, `a message matching ${pattern}`, 10_000);

test.describe.configure({ mode: 'serial' });

test('§7.1.3 «Charger une signature» in the settings, with preview; axe on the settings page', async ({ page }) => {
  await login(page, DOCTOR);
  await page.getByRole('link', { name: 'Paramètres' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Charger une signature' })).toBeVisible();
  await expect(page.getByText('Aucune signature chargée.')).toBeVisible();
  await page.getByTestId('signature-input').setInputFiles({ name: 'signature.png', mimeType: 'image/png', buffer: signaturePng() });
  await expect(page.getByText('Signature enregistrée.')).toBeVisible();
  const preview = page.getByRole('img', { name: 'Aperçu de votre signature' });
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(120);
  await expectNoSeriousViolation(page, 'the settings page');
});

test('§7.1.2 «Signer» then «Générer le PDF»; an edit shows «modifiée après signature»', async ({ page }) => {
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  await expect(page.getByText('Fiche non signée.')).toBeVisible();
  await typeAtEnd(ficheField(page, 'Antécédents'), 'Diabète de type 2, œdème');
  await page.getByRole('button', { name: 'Signer', exact: true }).click();
  await expect(page.getByText(/^Signée par Dr Claire Martin le /)).toBeVisible();
  const documents = page.getByRole('list', { name: 'Documents du télédossier' });
  await expect(documents.getByRole('link', { name: /^Fiche de téléconsultation signée/ })).toBeVisible();

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Générer le PDF' }).click();
  const download = await downloading;
  const bytes = readFileSync(await download.path());
  expect((await PDFDocument.load(bytes)).getTitle()).toBe('Fiche de téléconsultation');
  const text = (await pdfPageTexts(bytes)).join('\n');
  expect(text).toContain('Diabète de type 2, œdème');
  expect(text).toContain('Signé par Dr Claire Martin');
  expect(text).toContain('RPPS : 10003456789');

  await typeAtEnd(ficheField(page, 'Conclusion'), 'Revoir dans 7 jours');
  await expect(page.getByText('Fiche modifiée après signature : signez à nouveau pour valider cette version.')).toBeVisible();
  // «Générer le PDF» now gives a draft, marked as such.
  const draftDownload = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Générer le PDF' }).click();
  const draft = readFileSync(await (await draftDownload).path());
  expect((await PDFDocument.load(draft)).getTitle()).toBe('Fiche de téléconsultation (brouillon)');
});

test('§7.1.3 «Ajouter un document» with a progress bar, «Appliquer la signature», refusal of a wrong type', async ({ page }) => {
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  // A slow line (about 1 Mbit/s up) so that the progress bar is seen moving.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 128 * 1024 });
  const big = await samplePdf(1, 'Protocole de soins');
  const padded = Buffer.concat([big, Buffer.from(`\n%${'x'.repeat(600 * 1024)}\n`)]);
  await page.getByTestId('document-input').setInputFiles([{ name: 'Protocole de soins.pdf', mimeType: 'application/pdf', buffer: padded }]);
  const bar = page.getByRole('progressbar', { name: 'Protocole de soins.pdf' });
  await expect(bar).toBeVisible();
  await expect.poll(async () => Number(await bar.getAttribute('value')), { message: 'progress moves' }).toBeGreaterThan(0);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const documents = page.getByRole('list', { name: 'Documents du télédossier' });
  await expect(documents.getByRole('link', { name: 'Protocole de soins.pdf', exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(bar).toBeHidden();

  // The signature image was loaded in the settings: the popup offers to stamp the new PDF.
  const offer = page.getByRole('dialog', { name: /Appliquer votre signature sur « Protocole de soins.pdf »/ });
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Appliquer la signature' }).click();
  await expect(documents.getByRole('link', { name: 'Protocole de soins (signé).pdf' })).toBeVisible();

  // An .exe renamed .pdf is refused with the reason, and nothing is added.
  const count = await documents.getByRole('listitem').count();
  await page.getByTestId('document-input').setInputFiles([{ name: 'ordonnance.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 this is a program') }]);
  await expect(page.getByRole('alert').filter({ hasText: '« ordonnance.pdf » refusé : Ce type de fichier n’est pas accepté.' })).toBeVisible();
  await expect(documents.getByRole('listitem')).toHaveCount(count);
  await expectNoSeriousViolation(page, 'the consultation page with documents');
});

/** Logged in as the doctor, on the first consultation: the send dialog of one of its documents. */
async function openSendDialog(page: Page, documentName: string) {
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  const documents = page.getByRole('list', { name: 'Documents du télédossier' });
  const item = documents.getByRole('listitem').filter({ hasText: documentName });
  await item.getByRole('button', { name: /Envoyer le document/ }).click();
  return { documents, dialog: page.getByRole('dialog', { name: `Envoyer « ${documentName} »` }) };
}

test('§7.1.4 «Coffre-fort sécurisé»: send, the patient opens the link, a wrong code then the right one, downloads the same PDF', async ({ page, browser }) => {
  const { documents, dialog } = await openSendDialog(page, 'Protocole de soins (signé).pdf');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('radio', { name: 'Coffre-fort sécurisé' })).toBeChecked();
  await dialog.getByLabel('Adresse e-mail du destinataire').fill('famille.dupont@example.org');
  await dialog.getByRole('button', { name: 'Ajouter', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'Destinataires sélectionnés' })).toContainText('famille.dupont@example.org');
  await expectNoSeriousViolation(page, 'the send dialog');
  await dialog.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Document envoyé.' })).toBeVisible();
  await expect(dialog.getByText(/famille\.dupont@example\.org — Disponible jusqu’au/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Fermer' }).click();

  const stampedHref = await documents.getByRole('link', { name: 'Protocole de soins (signé).pdf' }).getAttribute('href');
  const sent = await (await page.request.get(stampedHref!)).body();

  const link = (await fromOutbox(page, /(http:\/\/[^\s]+\/coffre\/[A-Za-z0-9_-]{43})/))[1]!;
  const patientContext = await browser.newContext({ viewport: { width: 375, height: 812 } });
  const patient = await patientContext.newPage();
  await patient.goto(link);
  await expect(patient.getByRole('heading', { level: 1, name: 'Coffre-fort sécurisé' })).toBeVisible();
  await expect(patient.getByText(/Dr Claire Martin vous a transmis un document : « Protocole de soins \(signé\)\.pdf »/)).toBeVisible();
  await expectNoSeriousViolation(patient, 'the vault page at 375px');
  await patient.getByRole('button', { name: 'Recevoir le code par SMS' }).click();
  await expect(patient.getByText(/Code envoyé au \+33 •• •• •• 78/)).toBeVisible();
  const code = (await fromOutbox(page, /votre code pour ouvrir le document[^0-9]*(\d{6})/))[1]!;
  await patient.getByLabel('Code reçu par SMS').fill(code === '000000' ? '111111' : '000000');
  await patient.getByRole('button', { name: 'Valider' }).click();
  await expect(patient.getByRole('alert').filter({ hasText: 'Code incorrect ou expiré. Il vous reste 4 essais.' })).toBeVisible();
  await patient.getByLabel('Code reçu par SMS').fill(code);
  await patient.getByRole('button', { name: 'Valider' }).click();
  await expect(patient.getByText('Identité confirmée. Vous pouvez télécharger le document.')).toBeVisible();
  const downloading = patient.waitForEvent('download');
  await patient.getByRole('link', { name: 'Télécharger le document' }).click();
  const received = readFileSync(await (await downloading).path());
  expect(received.equals(sent)).toBe(true);
  await patientContext.close();
});

test('§9 «Coffre-fort sécurisé»: the patient chooses the code by e-mail, sent to their recorded address; a wrong code then the right one', async ({ page, browser }) => {
  const { documents, dialog } = await openSendDialog(page, 'Protocole de soins (signé).pdf');
  await dialog.getByLabel('Adresse e-mail du destinataire').fill('petit-fils.dupont@example.org');
  await dialog.getByRole('button', { name: 'Ajouter', exact: true }).click();
  await dialog.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Document envoyé.' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Fermer' }).click();
  const stampedHref = await documents.getByRole('link', { name: 'Protocole de soins (signé).pdf' }).getAttribute('href');
  const sent = await (await page.request.get(stampedHref!)).body();

  const link = (await fromOutbox(page, /petit-fils\.dupont@example\.org[\s\S]*?(http:\/\/[^\s]+\/coffre\/[A-Za-z0-9_-]{43})/))[1]!;
  const patientContext = await browser.newContext({ viewport: { width: 375, height: 812 } });
  const patient = await patientContext.newPage();
  await patient.goto(link);
  await expect(patient.getByRole('button', { name: 'Recevoir le code par SMS' })).toBeVisible();
  await patient.getByRole('button', { name: 'Recevoir le code par e-mail' }).click();
  await expect(patient.getByText('Code envoyé à f•••@example.org.')).toBeVisible();
  await expectNoSeriousViolation(patient, 'the vault page with the code by e-mail at 375px');
  const code = (await fromOutbox(page, /usage unique pour ouvrir le document[^\n]*?(\d{6})/))[1]!;
  await patient.getByLabel('Code reçu par e-mail').fill(code === '000000' ? '111111' : '000000');
  await patient.getByRole('button', { name: 'Valider' }).click();
  await expect(patient.getByRole('alert').filter({ hasText: 'Code incorrect ou expiré. Il vous reste 4 essais.' })).toBeVisible();
  await patient.getByLabel('Code reçu par e-mail').fill(code);
  await patient.getByRole('button', { name: 'Valider' }).click();
  await expect(patient.getByText('Identité confirmée. Vous pouvez télécharger le document.')).toBeVisible();
  const downloading = patient.waitForEvent('download');
  await patient.getByRole('link', { name: 'Télécharger le document' }).click();
  expect(readFileSync(await (await downloading).path()).equals(sent)).toBe(true);
  await patientContext.close();
});

test('§7.3 «Exporter» downloads the télédossier as a ZIP', async ({ page }) => {
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Exporter' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^teledossier-\d{4}-\d{2}-\d{2}\.zip$/);
  const bytes = readFileSync(await download.path());
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
  expect(bytes.includes(Buffer.from('index.json'))).toBe(true);
  expect(bytes.includes(Buffer.from('fiche-brouillon.pdf'))).toBe(true); // modified after its signature
});

test('design card: two professionals annotate one photo and both see both drawings; «Enregistrer comme document»', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  await page.getByTestId('document-input').setInputFiles([
    { name: 'Talon.png', mimeType: 'image/png', buffer: png(400, 300, (x, y) => [200 - (x % 50), 150 + (y % 40), 120]) },
  ]);
  const documents = page.getByRole('list', { name: 'Documents du télédossier' });
  await expect(documents.getByRole('link', { name: 'Talon.png', exact: true })).toBeVisible();

  const nurseContext = await browser.newContext();
  const nurse = await nurseContext.newPage();
  await login(nurse, NURSE);
  await openFirstConsultation(nurse);
  await waitUntilOnline(nurse);

  const shapes = (p: Page) => p.getByTestId('annotate-canvas').locator('.tl-shape');
  for (const p of [page, nurse]) {
    await p.getByRole('listitem').filter({ hasText: 'Talon.png' }).getByRole('button', { name: /^Annoter/ }).click();
    await expect(shapes(p)).toHaveCount(1, { timeout: 30_000 }); // the photo itself
  }

  const draw = async (p: Page, dx: number) => {
    // tldraw speaks the interface's language: «Dessiner», not «Draw».
    await p.getByTestId('annotate-canvas').getByRole('button', { name: /^Dessiner/ }).click();
    await p.getByTestId('annotate-canvas').scrollIntoViewIfNeeded();
    const box = (await p.getByTestId('annotate-canvas').boundingBox())!;
    const x = box.x + box.width / 2 + dx;
    const y = box.y + box.height / 2;
    await p.mouse.move(x, y);
    await p.mouse.down();
    for (let i = 1; i <= 10; i++) await p.mouse.move(x + i * 6, y + i * 4);
    await p.mouse.up();
  };
  await draw(page, -80);
  await expect(shapes(page)).toHaveCount(2);
  await expect(shapes(nurse)).toHaveCount(2);
  await draw(nurse, 40);
  await expect(shapes(nurse)).toHaveCount(3);
  await expect(shapes(page)).toHaveCount(3);

  await expectNoSeriousViolation(page, 'the annotation editor (tldraw)');
  await page.getByRole('button', { name: 'Enregistrer comme document' }).click();
  await expect(page.getByText('Image annotée enregistrée (PNG et PDF).')).toBeVisible({ timeout: 20_000 });
  await expect(nurse.getByRole('list', { name: 'Documents du télédossier' }).getByRole('link', { name: 'Talon (annotée).pdf' })).toBeVisible();
  await expect(nurse.getByRole('list', { name: 'Documents du télédossier' }).getByRole('link', { name: 'Talon (annotée).png' })).toBeVisible();
  await nurseContext.close();
});
