/**
 * «Création de consultation» as a user does it (SPEC §2–§6, §7.1.1, §7.4), in the guide's French
 * labels: identity (every validation tripped once), consent, the three kinds of accompaniment, the
 * slot, the consultation page with its invitations, a colleague's live «Mes rendez-vous», and axe.
 */
import { expect, test, type Page } from '@playwright/test';
import { DOCTOR, NURSE, expectNoSeriousViolation, login, navigateTo } from './helpers.ts';

function tomorrow(): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + 24 * 3600_000);
  return parts;
}

async function openWizard(page: Page): Promise<void> {
  await navigateTo(page, 'Création de consultation');
  await expect(page.getByRole('heading', { level: 1, name: 'Création de consultation' })).toBeVisible();
}

async function giveConsent(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Recueil de consentement patient' })).toBeVisible();
  await page.getByLabel('Le patient (ou son représentant) consent à la téléconsultation').check();
  await page.getByRole('button', { name: 'Suivant' }).click();
}

test('§3 «Corriger l’identité»: a contact corrected keeps the status, a strict trait corrected brings it back to PROV', async ({ page }) => {
  await login(page, DOCTOR);
  await openWizard(page);
  await page.getByRole('button', { name: 'Créer une identité' }).click();
  await page.getByLabel('Nom de naissance').fill('FONTAINE');
  await page.getByLabel('Prénom(s) de naissance').fill('ROGER');
  await page.getByLabel('Date de naissance').fill('1939-02-11');
  await page.getByLabel('Sexe').selectOption('M');
  await page.getByLabel('Statut de l’identité').selectOption('VALI');
  await page.getByLabel('Pièce d’identité vérifiée').selectOption('passeport');
  await page.getByLabel('Téléphone mobile').fill('06 55 44 33 21');
  await page.getByRole('button', { name: 'Valider' }).click();
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await expect(page.getByText('Identité sélectionnée : Roger FONTAINE')).toBeVisible();

  // A new mobile number: the identity stays validated.
  const correction = page.getByRole('form', { name: 'Corriger l’identité' });
  await page.getByRole('button', { name: 'Corriger l’identité' }).click();
  await expect(correction.getByLabel('Nom de naissance')).toHaveValue('FONTAINE');
  await correction.getByLabel('Téléphone mobile').fill('0611223344');
  await correction.getByRole('button', { name: 'Valider' }).click();
  await expect(correction.getByText('confirmez la correction de l’identité')).toBeVisible();
  await correction.getByRole('button', { name: 'Confirmer' }).click();
  await expect(correction).toHaveCount(0);
  const facts = page.getByRole('definition');
  await expect(facts.filter({ hasText: '+33611223344' })).toBeVisible();
  await expect(facts.filter({ hasText: 'Validée sur pièce d’identité (VALI)' })).toBeVisible();

  // A birth place added is a strict trait: back to provisional, to be checked again.
  await page.getByRole('button', { name: 'Corriger l’identité' }).click();
  await correction.getByLabel('Lieu de naissance (code INSEE)').fill('75056');
  await correction.getByRole('button', { name: 'Valider' }).click();
  await correction.getByRole('button', { name: 'Confirmer' }).click();
  await expect(facts.filter({ hasText: 'Provisoire (PROV)' })).toBeVisible();
  await expect(facts.filter({ hasText: '75056' })).toBeVisible();
  await expectNoSeriousViolation(page, 'the corrected identity');
});

test('§2–§6 a doctor creates an identity, consent, a directory professional, a slot, a colleague who sees it live', async ({ page, browser }) => {
  const colleagueContext = await browser.newContext();
  const colleague = await colleagueContext.newPage();
  await login(colleague, NURSE);
  const appointments = colleague.getByRole('list', { name: 'Mes rendez-vous' });
  await expect(colleague.getByRole('heading', { name: 'Mes rendez-vous' })).toBeVisible();

  await login(page, DOCTOR);
  await openWizard(page);

  // §3 «Créer une identité», every validation once.
  await page.getByRole('button', { name: 'Créer une identité' }).click();
  const birthName = page.getByLabel('Nom de naissance');
  await birthName.pressSequentially('Dubois-Hélène d’Arc', { delay: 5 });
  await expect(birthName).toHaveValue("DUBOIS-HELENE D'ARC");
  await page.getByLabel('Date de naissance').fill('2099-01-01');
  await page.getByLabel('Lieu de naissance (code INSEE)').fill('7505');
  await page.getByLabel('Matricule INS').fill('240026912304500');
  await page.getByLabel('Adresse e-mail').fill('pas-un-email');
  await page.getByLabel('Téléphone mobile').fill('01 42 00 00 00');
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByText('Ce champ est obligatoire.').first()).toBeVisible();
  await expect(page.getByText('La date de naissance ne peut pas être dans le futur.')).toBeVisible();
  await expect(page.getByText('Le code INSEE du lieu de naissance compte 5 caractères', { exact: false })).toBeVisible();
  await expect(page.getByText(/La clé du matricule INS est incorrecte|Le matricule INS compte 15 caractères/)).toBeVisible();
  await expect(page.getByText('Adresse e-mail invalide.')).toBeVisible();
  await expect(page.getByText('Ce numéro n’est pas un numéro de téléphone mobile valide.')).toBeVisible();
  await expect(page.getByLabel('Date de naissance')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Prénom(s) de naissance').fill('Élise Marie');
  await expect(page.getByLabel('Prénom(s) de naissance')).toHaveValue('ELISE MARIE');
  await page.getByLabel('Date de naissance').fill('1936-05-17');
  await page.getByLabel('Sexe').selectOption('F');
  await page.getByLabel('Lieu de naissance (code INSEE)').fill('69123');
  await page.getByLabel('Matricule INS').fill('');
  await page.getByLabel('Adresse e-mail').fill('famille.dubois@example.org');
  await page.getByLabel('Téléphone mobile').fill('06 55 44 33 22');
  await page.getByRole('button', { name: 'Valider' }).click();
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await expect(page.getByText("Identité sélectionnée : Elise DUBOIS-HELENE D'ARC")).toBeVisible();
  await page.getByRole('button', { name: 'Vérifier l’identité' }).click();
  await expect(page.getByText('Provisoire (PROV)')).toBeVisible();
  await page.getByRole('button', { name: 'Suivant' }).click();

  // §4 the wizard stops without consent.
  await page.getByRole('button', { name: 'Suivant' }).click();
  await expect(page.getByText('Le consentement du patient doit être recueilli avant de continuer.')).toBeVisible();
  await giveConsent(page);

  // §5 a professional from the directory, with the MSSanté address in the row.
  await page.getByLabel('Patient accompagné d’un professionnel de santé').check();
  await expect(page.getByLabel('Adresse e-mail').first()).toHaveValue('famille.dubois@example.org');
  await page.getByLabel('Rechercher un professionnel').fill('gériatrie lyon');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  const row = page.getByRole('row', { name: /GIRARD/ });
  await expect(row).toContainText('nathalie.girard@hcl.mssante.fr');
  await expect(row).toContainText('10100000025');
  await row.getByRole('button', { name: /Choisir/ }).click();
  await expect(page.getByLabel('Nom et prénom')).toHaveValue('Nathalie GIRARD');
  await page.getByRole('button', { name: 'Suivant' }).click();

  // §6 a slot tomorrow at 14:30 for 45 min, Paris time.
  await expect(page.getByRole('heading', { name: 'Sélection du créneau d’invitation' })).toBeVisible();
  await page.getByLabel('Programmer un rendez-vous').check();
  const date = tomorrow();
  await page.getByLabel('Date', { exact: false }).first().fill(date);
  await page.getByLabel('Heure de début').fill('14:30');
  await page.getByLabel('45 min').check();
  // §9 the nurse takes part: only then is it hers to see and open (docs/ACCESS.md).
  await page.getByRole('checkbox', { name: /Sophie Bernard \(IDE\)/ }).check();
  const [y, m, d] = date.split('-');
  await expect(page.getByText(`La salle sera ouverte du ${d}/${m}/${y} 14:15 au ${d}/${m}/${y} 16:00`, { exact: false })).toBeVisible();
  await page.getByRole('button', { name: 'Créer la téléconsultation' }).click();

  await expect(page).toHaveURL(/\/consultations\/[A-Za-z0-9_-]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText("Elise DUBOIS-HELENE D'ARC");
  await expect(page.getByText(`${d}/${m}/${y} 14:30`)).toBeVisible();
  // §4, §5 what was recorded in the wizard is on the consultation page.
  await expect(page.getByText(/^Donné par le patient, oralement, le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/)).toBeVisible();
  await expect(page.getByText(/^Professionnel de santé : Nathalie GIRARD \(/)).toBeVisible();
  const invitations = page.getByRole('table', { name: 'Invitations' });
  await expect(invitations.getByRole('row')).toHaveCount(4);
  await expect(invitations.getByText('Envoyée')).toHaveCount(3);
  await invitations.getByRole('button', { name: /Renvoyer l’invitation Patient — E-mail/ }).click();
  await expect(page.getByText('Invitation renvoyée à famille.dubois@example.org.')).toBeVisible();
  await expect(invitations.getByText('2 envois')).toBeVisible();

  // The colleague's «Mes rendez-vous» shows it without reloading.
  await expect(appointments.getByRole('link', { name: "Elise DUBOIS-HELENE D'ARC" })).toBeVisible();
  await expect(appointments).toContainText(`${d}/${m}/${y} 14:30`);
  await colleagueContext.close();
});

test('§5 a relative accompanies an existing patient, now', async ({ page }) => {
  await login(page, DOCTOR);
  await openWizard(page);
  await page.getByLabel('Nom de naissance ou prénom').fill('dupont');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByRole('button', { name: /DUPONT/ }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await giveConsent(page);
  await page.getByLabel('Patient accompagné d’un proche').check();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await expect(page.getByText('Indiquez le nom de l’accompagnant.')).toBeVisible();
  await page.getByLabel('Nom et prénom').fill('Marc Dupont');
  await page.getByLabel('Lien avec le patient').fill('Fils');
  await page.getByLabel('Téléphone mobile').nth(1).fill('+44 7400 123456');
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByLabel('Maintenant').check();
  await page.getByRole('button', { name: 'Créer la téléconsultation' }).click();
  await expect(page).toHaveURL(/\/consultations\/[A-Za-z0-9_-]+$/);
  await expect(page.getByText('Proche : Marc Dupont (Fils)')).toBeVisible();
  const invitations = page.getByRole('table', { name: 'Invitations' });
  await expect(invitations.getByRole('row', { name: /Accompagnant/ })).toContainText('+447400123456');
});

test('§5 «Je ne trouve pas le professionnel» is a quick manual entry', async ({ page }) => {
  await login(page, DOCTOR);
  await openWizard(page);
  await page.getByLabel('Nom de naissance ou prénom').fill('leroy');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByRole('button', { name: /LEROY/ }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await giveConsent(page);
  await page.getByLabel('Patient accompagné d’un professionnel de santé').check();
  await page.getByRole('button', { name: 'Je ne trouve pas le professionnel' }).click();
  await expect(page.getByLabel('Nom et prénom')).toBeFocused();
  await page.getByLabel('Nom et prénom').fill('Sophie Infirmière');
  await page.getByRole('textbox', { name: 'Profession' }).fill('Infirmière');
  await page.getByLabel('Adresse e-mail').nth(1).fill('sophie.ide@example.org');
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('button', { name: 'Créer la téléconsultation' }).click();
  await expect(page).toHaveURL(/\/consultations\/[A-Za-z0-9_-]+$/);
  await expect(page.getByRole('table', { name: 'Invitations' }).getByRole('row', { name: /Accompagnant/ })).toContainText('sophie.ide@example.org');
});

test('§7.4 «Invitation téléphonique» starts an immediate consultation', async ({ page }) => {
  await login(page, DOCTOR);
  await page.getByRole('navigation').getByRole('link', { name: 'Invitation téléphonique' }).click();
  await page.getByLabel('Mobile ou adresse e-mail du patient').fill('01 42 00 00 00');
  await page.getByLabel('Le patient (ou son représentant) consent à la téléconsultation').check();
  await page.getByRole('button', { name: 'Inviter' }).click();
  await expect(page.getByText('Ce numéro n’est pas un numéro de téléphone mobile valide.')).toBeVisible();
  await page.getByLabel('Mobile ou adresse e-mail du patient').fill('06 98 76 54 32');
  await page.getByRole('button', { name: 'Inviter' }).click();
  await expect(page).toHaveURL(/\/consultations\/[A-Za-z0-9_-]+$/);
  await expect(page.getByText('En cours').first()).toBeVisible();
  await expect(page.getByRole('table', { name: 'Invitations' })).toContainText('+33698765432');
});
