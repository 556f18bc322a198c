/**
 * SPEC §1 in Chromium: the four ways in on the login page, Pro Santé Connect end to end against
 * the local OpenID provider that `npm start` runs, strong authentication with the code read from
 * the development outbox, TOTP enrolment with the QR code, the audit log page, the «Comptes» page
 * (administrators); axe on each page.
 */
import { expect, test, type Page } from '@playwright/test';
import { generateSync } from 'otplib';
import { expectNoSeriousViolation, login, type DemoAccount } from './helpers.ts';

const ADMIN: DemoAccount = { identifier: 'admin.demo', password: 'relais-demo' };

/** The newest code written to the development outbox (/dev/outbox). */
async function latestOutboxCode(page: Page): Promise<string> {
  const index = await (await page.request.get('/dev/outbox')).text();
  const file = /href="\/dev\/outbox\/([^"]+)"/.exec(index)![1]!;
  const content = await (await page.request.get(`/dev/outbox/${file}`)).text();
  return /\b(\d{6})\b/.exec(content)![1]!;
}

test('§1 the login page offers the four ways in, with the guide’s labels', async ({ page }) => {
  await page.goto('/connexion');
  const methods = page.getByRole('group', { name: 'Mode de connexion' });
  for (const label of ['Carte CPS', 'Pro Santé Connect', 'Authentification forte', 'Identifiant / mot de passe']) {
    await expect(methods.getByRole('button', { name: label, exact: true })).toBeVisible();
  }
  await expect(methods.getByRole('button', { name: 'Identifiant / mot de passe' })).toHaveAttribute('aria-pressed', 'true');
  await methods.getByRole('button', { name: 'Carte CPS' }).click();
  await expect(page.getByText('La carte CPS s’utilise dans le navigateur à travers Pro Santé Connect')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Continuer avec Pro Santé Connect' })).toHaveAttribute('href', '/api/auth/psc');
  await expectNoSeriousViolation(page, 'the «Carte CPS» panel');
  await methods.getByRole('button', { name: 'Authentification forte' }).click();
  await expectNoSeriousViolation(page, 'the «Authentification forte» panel');
});

test('§1.1.2 Pro Santé Connect: the doctor types their RPPS, approves, and is back in Relais, logged in', async ({ page }) => {
  await page.goto('/connexion');
  await page.getByRole('button', { name: 'Pro Santé Connect', exact: true }).click();
  await expectNoSeriousViolation(page, 'the «Pro Santé Connect» panel');
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  // The local provider's page, on its own origin (npm start puts it on PORT + 2000).
  const providerPort = Number(new URL(test.info().project.use.baseURL ?? '').port) + 2000;
  await expect(page).toHaveURL(new RegExp(`:${providerPort}/interaction/`));
  await page.getByLabel('Numéro RPPS').fill('10003456789');
  await page.getByRole('button', { name: 'Valider sur l’application e-CPS' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Vue activité' })).toBeVisible();
  const me = (await (await page.request.get('/api/session')).json()) as { user: { identifier: string } };
  expect(me.user.identifier).toBe('dr.demo');
});

test('§1.1.2 an unknown RPPS comes back to the login page with a French message', async ({ page }) => {
  await page.goto('/api/auth/psc');
  await page.getByLabel('Numéro RPPS').fill('10009999999');
  await page.getByRole('button', { name: 'Valider sur l’application e-CPS' }).click();
  await expect(page.getByText('Numéro RPPS inconnu.')).toBeVisible();
});

test('§1.1.3 strong authentication: SMS code, typed, logs in', async ({ page }) => {
  await page.goto('/connexion');
  await page.getByRole('button', { name: 'Authentification forte', exact: true }).click();
  await page.getByLabel('Identifiant', { exact: true }).fill('ide.demo');
  await page.getByLabel('Mot de passe', { exact: true }).fill('relais-demo');
  await page.getByLabel('SMS').check();
  await page.getByRole('button', { name: 'Recevoir le code' }).click();
  await expect(page.getByRole('status')).toContainText('Un code à usage unique a été envoyé à +336 •• •• •• 88');
  await expectNoSeriousViolation(page, 'the code step');
  await page.getByLabel('Code à usage unique').fill('000000' === (await latestOutboxCode(page)) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByRole('alert')).toContainText('Code incorrect. Il vous reste 4 essais.');
  await page.getByLabel('Code à usage unique').fill(await latestOutboxCode(page));
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Vue activité' })).toBeVisible();
});

test('§1.1.3 an authenticator app is enrolled from the QR code in settings', async ({ page }) => {
  await login(page, { identifier: 'dr.demo', password: 'relais-demo' });
  await page.getByRole('link', { name: 'Sécurité du compte' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sécurité du compte' })).toBeVisible();
  await expect(page.getByText('Aucune application d’authentification n’est enrôlée.')).toBeVisible();
  await page.getByRole('button', { name: 'Enrôler une application' }).click();
  await expect(page.getByRole('img', { name: 'QR code à scanner avec votre application d’authentification' })).toBeVisible();
  await expectNoSeriousViolation(page, 'the security page with a QR code');
  const secret = /: ([A-Z2-7]+)$/.exec((await page.locator('.totp-secret').textContent()) ?? '')![1]!;
  await page.getByLabel('Code affiché par l’application').fill(generateSync({ secret }));
  await page.getByRole('button', { name: 'Valider l’enrôlement' }).click();
  await expect(page.getByText('Une application d’authentification est enrôlée')).toBeVisible();
});

test('§9 the establishment administrator reads the audit log, filtered by person', async ({ page }) => {
  await login(page, ADMIN);
  await page.getByRole('link', { name: 'Journal d’audit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Journal d’audit' })).toBeVisible();
  await expect(page.getByRole('table')).toBeVisible();
  await expectNoSeriousViolation(page, 'the audit log page');
  await page.getByLabel('Personne').selectOption({ label: 'Marc Lefèvre (administrateur)' });
  await page.getByRole('button', { name: 'Filtrer' }).click();
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows.nth(1)).toContainText('Connexion réussie');
  await expect(rows.nth(1)).toContainText('Marc Lefèvre');
  await expect(page.getByRole('table')).not.toContainText('Dr Claire Martin');
});

test('«Comptes»: an administrator creates an account; its provisional password, shown once, logs in', async ({ page }) => {
  await login(page, ADMIN);
  await page.getByRole('link', { name: 'Comptes', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Comptes de l’établissement' })).toBeVisible();
  await expect(page.getByRole('table')).toContainText('Dr Claire Martin');
  const identifier = `e2e.${Date.now().toString(36)}`;
  // A wrong mobile number is refused with a French message and creates nothing.
  await page.getByLabel('Identifiant', { exact: true }).fill(identifier);
  await page.getByLabel('Nom affiché').fill('Lucie Moreau');
  await page.getByLabel('Profession').fill('Infirmière');
  await page.getByLabel('Téléphone mobile (facultatif)').fill('12');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByRole('alert')).toContainText('Numéro de mobile invalide');
  await expect(page.getByRole('table')).not.toContainText('Lucie Moreau');
  await page.getByLabel('Téléphone mobile (facultatif)').fill('06 12 34 56 78');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  const notice = page.getByRole('status').filter({ hasText: 'Mot de passe provisoire de Lucie Moreau' });
  await expect(notice).toBeVisible();
  await expect(notice).toBeFocused();
  const password = (await page.getByTestId('provisional-password').textContent())!.trim();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(page.getByRole('row', { name: /Lucie Moreau/ })).toContainText('Actif');
  await expectNoSeriousViolation(page, 'the accounts page with a provisional password');
  await page.getByRole('button', { name: 'C’est noté' }).click();
  await expect(page.getByTestId('provisional-password')).toHaveCount(0);

  // A forgotten password: the administrator gives a new provisional one, after a confirmation.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Nouveau mot de passe Lucie Moreau' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Mot de passe provisoire de Lucie Moreau' })).toBeVisible();
  const second = (await page.getByTestId('provisional-password').textContent())!.trim();
  expect(second).not.toBe(password);

  await page.context().clearCookies();
  await page.goto('/connexion');
  await page.getByLabel('Identifiant', { exact: true }).fill(identifier);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).not.toBeEmpty();
  await login(page, { identifier, password: second });
  await expect(page.getByRole('link', { name: 'Comptes', exact: true })).toHaveCount(0);
});

test('§9 a professional who is not an administrator has no audit log', async ({ page }) => {
  await login(page, { identifier: 'ide.demo', password: 'relais-demo' });
  await expect(page.getByRole('link', { name: 'Journal d’audit' })).toHaveCount(0);
  await page.goto('/administration/journal');
  await expect(page.getByRole('alert')).toContainText('réservé aux administrateurs');
});

test.describe('at 375px', () => {
  test.use({ viewport: { width: 375, height: 812 } });
  test('§1 login methods and security page work on a phone width', async ({ page }) => {
    await page.goto('/connexion');
    await expectNoSeriousViolation(page, 'the login page at 375px');
    await login(page, { identifier: 'ide.demo', password: 'relais-demo' });
    await page.goto('/parametres/securite');
    await expect(page.getByRole('heading', { level: 1, name: 'Sécurité du compte' })).toBeVisible();
    await expectNoSeriousViolation(page, 'the security page at 375px');
  });
});

test('§1.1.2 Pro Santé Connect: an authentication level below eidas1 is refused, with a French message', async ({ page }) => {
  await page.goto('/connexion');
  await page.getByRole('button', { name: 'Pro Santé Connect', exact: true }).click();
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel('Numéro RPPS').fill('10003456789');
  await page.getByLabel('Niveau d’authentification renvoyé').selectOption('eidas0');
  await page.getByRole('button', { name: 'Valider sur l’application e-CPS' }).click();
  await expect(page).toHaveURL(/\/connexion\?psc=acr$/);
  await expect(page.getByRole('alert')).toContainText('niveau d’authentification suffisant');
  expect((await page.request.get('/api/session')).status()).toBe(401);
  await expectNoSeriousViolation(page, 'the refused Pro Santé Connect login');
});
