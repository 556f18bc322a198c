import { expect, test, type Page } from '@playwright/test';
import { expectNoSeriousViolation, login } from './helpers.ts';

/** Nothing wider than the screen: on a phone the page must not scroll sideways. */
async function expectNoHorizontalOverflow(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `the page is ${scrollWidth}px wide on a ${width}px screen`).toBeLessThanOrEqual(width);
}

for (const width of [375, 1280]) {
  test.describe(`accessibility at ${width}px`, () => {
    test.use({ viewport: { width, height: width < 600 ? 812 : 900 } });

    test('login page', async ({ page }) => {
      await page.goto('/connexion');
      await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
      await expectNoSeriousViolation(page, `the login page at ${width}px`);
      // A failed login shows its error next to the form, announced.
      await page.getByLabel('Identifiant', { exact: true }).fill('inconnu.demo');
      await page.getByLabel('Mot de passe', { exact: true }).fill('pas le bon');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await expect(page.getByRole('alert')).not.toBeEmpty();
      await expectNoSeriousViolation(page, `the login page with an error at ${width}px`);
    });

    test('accounts page (administrators)', async ({ page }) => {
      await login(page, { identifier: 'admin.demo', password: 'relais-demo' });
      await page.goto('/administration/comptes');
      await expect(page.getByRole('heading', { level: 1, name: 'Comptes de l’établissement' })).toBeVisible();
      // A table on a wide screen, a card per account on a phone.
      const accounts = width < 640 ? page.getByRole('list', { name: /^Comptes/ }).getByRole('listitem') : page.getByRole('table').getByRole('row');
      await expect(accounts.nth(1)).toBeVisible();
      await expect(page.getByRole('button', { name: 'Nouveau mot de passe Dr Claire Martin' })).toBeVisible();
      await expectNoSeriousViolation(page, `the accounts page at ${width}px`);
      await expectNoHorizontalOverflow(page, width);
    });

  });
}
