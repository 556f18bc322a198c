/**
 * Journeys of the guide that broke between client and server (#12), followed by their French
 * labels against the real server: «Messagerie sécurisée», an impossible birth date, what a
 * colleague's «Mes rendez-vous» lists, the «Motif de la demande» reaching the fiche, and the PDF of
 * a consultation started by «Invitation téléphonique».
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { DOCTOR, NURSE, ficheField, login, openFirstConsultation, waitUntilOnline } from './helpers.ts';
import { pdfPageTexts } from '../sync-server/testing/pdfText.ts';

/** The mail of the local outbox (no SMTP_URL in the e2e server) sent to `to`, parsed. */
async function mailTo(page: Page, to: string): Promise<ParsedMail> {
  let found: ParsedMail | null = null;
  await expect
    .poll(
      async () => {
        const list = await (await page.request.get('/dev/outbox')).text();
        for (const [, file] of list.matchAll(/href="\/dev\/outbox\/([^"]+\.eml)"/g)) {
          const mail = await simpleParser(await (await page.request.get(`/dev/outbox/${file}`)).body());
          const recipients = [mail.to ?? []].flat().map((a) => a.text);
          if (recipients.includes(to)) found = mail;
        }
        return found !== null;
      },
      { message: `a mail to ${to} in the outbox`, timeout: 10_000 },
    )
    .toBe(true);
  return found!;
}

async function openWizard(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Création de consultation' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Création de consultation' })).toBeVisible();
}

/** The wizard for an existing patient, «Maintenant», up to the slot step. */
async function wizardUpToSlot(page: Page, patientSearch: string, patientButton: RegExp): Promise<void> {
  await openWizard(page);
  await page.getByLabel('Nom de naissance ou prénom').fill(patientSearch);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByRole('button', { name: patientButton }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Le patient (ou son représentant) consent à la téléconsultation').check();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await expect(page.getByRole('heading', { name: 'Sélection du créneau d’invitation' })).toBeVisible();
}

async function createFromSlot(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Créer la téléconsultation' }).click();
  await expect(page.getByRole('table', { name: 'Invitations' })).toBeVisible();
  const id = new URL(page.url()).pathname.split('/').pop()!;
  expect(id).not.toBe('nouvelle');
  return id;
}

test('#12 «Messagerie sécurisée»: Claire ROUSSEL chosen in the directory receives the PDF attached', async ({ page }) => {
  await login(page, DOCTOR);
  await openFirstConsultation(page);
  await waitUntilOnline(page);
  // «Signer» makes the fiche's PDF a document of the dossier: the one sent.
  await page.getByRole('button', { name: 'Signer', exact: true }).click();
  const documents = page.getByRole('list', { name: 'Documents du télédossier' });
  const signed = documents.getByRole('link', { name: /^Fiche de téléconsultation signée/ }).first();
  const name = (await signed.textContent())!.trim();
  const href = await signed.getAttribute('href');
  const sent = await (await page.request.get(href!)).body();

  // The entry of this very document (its link): another test signing the same fiche in the same
  // minute makes a second document of the same name.
  await documents.getByRole('listitem').filter({ has: page.locator(`a[href="${href}"]`) }).getByRole('button', { name: /Envoyer le document/ }).click();
  const dialog = page.getByRole('dialog', { name: `Envoyer « ${name} »` });
  await dialog.getByRole('radio', { name: 'Messagerie sécurisée' }).check();
  await dialog.getByLabel('Rechercher un professionnel (nom, RPPS, ville)').fill('roussel');
  await dialog.getByRole('button', { name: 'Rechercher', exact: true }).click();
  const found = dialog.getByRole('list', { name: 'Professionnels trouvés' });
  await expect(found).toContainText('claire.roussel@infirmier.mssante.fr');
  await found.getByRole('button', { name: 'Envoyer à Claire ROUSSEL' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Document envoyé.' })).toBeVisible();
  await expect(dialog.getByText('Choisissez un professionnel dans l’annuaire.')).toHaveCount(0);

  const mail = await mailTo(page, 'claire.roussel@infirmier.mssante.fr');
  expect(mail.subject).toBe(`Téléconsultation — ${name}`);
  expect(mail.attachments).toHaveLength(1);
  expect(mail.attachments[0]!.filename).toBe(name);
  expect(mail.attachments[0]!.contentType).toBe('application/pdf');
  expect(Buffer.from(mail.attachments[0]!.content).equals(sent)).toBe(true);
});

test('#12 an impossible birth date (31 February) says «Date invalide.», not «obligatoire»', async ({ page }) => {
  await login(page, DOCTOR);
  await openWizard(page);
  await page.getByRole('button', { name: 'Créer une identité' }).click();
  await page.getByLabel('Nom de naissance').fill('GARNIER');
  await page.getByLabel('Prénom(s) de naissance').fill('PAUL');
  const birthDate = page.getByLabel('Date de naissance');
  // Typed key by key as a person would, in the order the browser shows the day and month (its own
  // language's, jj/mm/aaaa or mm/dd/yyyy, whatever the page's): a probe date tells which.
  await birthDate.focus();
  await page.keyboard.type('01021950', { delay: 20 });
  const dayFirst = (await birthDate.inputValue()) === '1950-02-01';
  await birthDate.fill('');
  await birthDate.focus();
  await page.keyboard.type(dayFirst ? '31021950' : '02311950', { delay: 20 });
  await page.getByLabel('Sexe').selectOption('M');
  await page.getByLabel('Téléphone mobile').fill('06 55 44 33 20');
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByText('Date invalide.', { exact: true })).toBeVisible();
  await expect(birthDate).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Ce champ est obligatoire.')).toHaveCount(0);

  // Corrected, the same form goes through.
  await birthDate.fill('1950-02-28');
  await page.getByRole('button', { name: 'Valider' }).click();
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await expect(page.getByText('Identité sélectionnée : Paul GARNIER')).toBeVisible();
});

test('#12 §9 what «Mes rendez-vous» lists, the nurse may open; added as participant, she sees and opens it', async ({ page, browser }) => {
  await login(page, DOCTOR);
  await wizardUpToSlot(page, 'moreau', /MOREAU/);
  const notHers = await createFromSlot(page);

  const nurseContext = await browser.newContext();
  const nurse = await nurseContext.newPage();
  await login(nurse, NURSE);
  const appointments = nurse.getByRole('list', { name: 'Mes rendez-vous' });
  // The demo's appointments, where she takes part, are listed once the activity is synced.
  await expect(appointments.getByRole('link').first()).toBeVisible();
  await expect(appointments.locator(`a[href="/consultations/${notHers}"]`)).toHaveCount(0);
  const everyListed = async () => {
    const hrefs = await appointments.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    for (const href of hrefs) {
      await nurse.goto(href);
      await expect(nurse.getByRole('heading', { level: 2, name: 'Dossier' }), `${href} should open`).toBeVisible();
      await expect(nurse.getByText('Cette téléconsultation est introuvable.')).toHaveCount(0);
    }
    await nurse.goto('/');
    return hrefs;
  };
  await everyListed();

  // The doctor adds her colleague (no RPPS) in the wizard: the nurse sees it live, and opens it.
  await wizardUpToSlot(page, 'moreau', /MOREAU/);
  await page.getByRole('checkbox', { name: /Sophie Bernard \(IDE\)/ }).check();
  const hers = await createFromSlot(page);
  await expect(appointments.locator(`a[href="/consultations/${hers}"]`)).toBeVisible();
  expect(await everyListed()).toContain(`/consultations/${hers}`);
  await nurseContext.close();
});

test('#12 the «Motif de la demande» typed in the wizard is the fiche’s «Motif»', async ({ page }) => {
  await login(page, DOCTOR);
  await wizardUpToSlot(page, 'leroy', /LEROY/);
  await page.getByLabel('Motif de la demande').fill('Escarre sacrée, avis sur le pansement');
  await createFromSlot(page);
  await waitUntilOnline(page);
  await expect(ficheField(page, 'Motif')).toHaveValue('Escarre sacrée, avis sur le pansement');
});

test('#12 «Invitation téléphonique» (no birth date yet): the fiche PDF and «Exporter» are served', async ({ page }) => {
  await login(page, DOCTOR);
  await page.getByRole('navigation').getByRole('link', { name: 'Invitation téléphonique' }).click();
  await page.getByLabel('Mobile ou adresse e-mail du patient').fill('06 98 76 54 31');
  await page.getByLabel('Le patient (ou son représentant) consent à la téléconsultation').check();
  await page.getByRole('button', { name: 'Inviter' }).click();
  await expect(page).toHaveURL(/\/consultations\/[A-Za-z0-9_-]+$/);
  await waitUntilOnline(page);

  const pdfDownload = page.waitForEvent('download', { timeout: 15_000 });
  await page.getByRole('link', { name: 'Générer le PDF' }).click();
  const pdf = readFileSync(await (await pdfDownload).path());
  const text = (await pdfPageTexts(pdf)).join('\n');
  expect(text).toContain('Date de naissance : non renseignée');

  const zipDownload = page.waitForEvent('download', { timeout: 15_000 });
  await page.getByRole('link', { name: 'Exporter' }).click();
  const zip = readFileSync(await (await zipDownload).path());
  expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
});
