import { expect, test } from '@playwright/test';
import { DOCTOR, expectNoSeriousViolation, login } from './helpers.ts';

test('settings: the interface switches to English and back to French, and stays so after a reload', async ({ page }) => {
  await login(page, DOCTOR);
  await page.goto('/parametres');
  await expect(page.getByRole('heading', { level: 1, name: 'Paramètres' })).toBeVisible();
  await expectNoSeriousViolation(page, 'Paramètres');

  await page.getByRole('radio', { name: 'English' }).check();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();

  await page.goto('/parametres');
  await page.getByRole('radio', { name: 'Français' }).check();
  await expect(page.getByRole('heading', { level: 1, name: 'Paramètres' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
});
