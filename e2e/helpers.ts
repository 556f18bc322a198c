/** Shared steps of the end-to-end tests: demo logins, opening a consultation, typing in the fiche. */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { instantConsultationWithLink as instantWithLink } from './outbox.ts';

export interface DemoAccount {
  identifier: string;
  password: string;
}

export const DOCTOR: DemoAccount = { identifier: 'dr.demo', password: 'relais-demo' };
export const NURSE: DemoAccount = { identifier: 'ide.demo', password: 'relais-demo' };

/** Logs in through the login page and waits for «Vue activité». */
export async function login(page: Page, account: DemoAccount): Promise<void> {
  await page.goto('/connexion');
  await page.getByLabel('Identifiant', { exact: true }).fill(account.identifier);
  await page.getByLabel('Mot de passe', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Vue activité' })).toBeVisible();
}

/** The display name the server gives the logged-in user of `page`. */
export async function displayName(page: Page): Promise<string> {
  const response = await page.request.get('/api/session');
  expect(response.ok(), 'GET /api/session should answer 200 once logged in').toBe(true);
  const body = (await response.json()) as { user: { displayName: string } };
  return body.user.displayName;
}

/** The activity list's links, in the order shown. */
export function consultationLinks(page: Page): Locator {
  return page.getByRole('list', { name: 'Télédossiers consultables' }).getByRole('link');
}

/** Opens the first consultation of the activity view; returns its id. */
export async function openFirstConsultation(page: Page): Promise<string> {
  await consultationLinks(page).first().click();
  await expect(page).toHaveURL(/\/consultations\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  await expect(page.getByRole('heading', { level: 2, name: 'Dossier' })).toBeVisible();
  return id;
}

export function connectionBadge(page: Page): Locator {
  return page.getByRole('status').filter({ hasText: /En ligne|Synchronisation|Hors ligne|refusé/ });
}

export function ficheField(page: Page, label: string): Locator {
  return page.getByLabel(label, { exact: true });
}

/** Waits until the dossier is synced with the server and the fiche can be edited. */
export async function waitUntilOnline(page: Page): Promise<void> {
  await expect(connectionBadge(page)).toHaveText('En ligne');
  await expect(ficheField(page, 'Motif')).toBeEnabled();
}

/** Types `text` at the end of a fiche field, key by key, as a person would. */
export async function typeAtEnd(field: Locator, text: string): Promise<void> {
  await field.click();
  await field.press('ControlOrMeta+End');
  await field.pressSequentially(text, { delay: 15 });
}

/** Number of stored updates in the y-indexeddb database of a dossier (to know edits reached disk). */
export async function storedUpdateCount(page: Page, consultationId: string): Promise<number> {
  return page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error ?? new Error('IndexedDB'));
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('updates')) {
            db.close();
            resolve(0);
            return;
          }
          const count = db.transaction('updates', 'readonly').objectStore('updates').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
          count.onerror = () => reject(count.error ?? new Error('IndexedDB'));
        };
      }),
    `dossier/${consultationId}`,
  );
}

/** Waits for the service worker to control `page` (reloading once if needed). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    await page.reload();
  }
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
      message: 'the service worker should control the page',
    })
    .toBe(true);
}

/** A «Visio SMS» consultation created by the doctor's page, and the guest's join link from the local outbox. */
export function instantConsultationWithLink(page: Page, contact: string): Promise<{ id: string; link: string }> {
  return instantWithLink(page.request, contact);
}

/** Runs axe-core and fails with a readable list of the serious and critical violations. */
export async function expectNoSeriousViolation(page: Page, where: string, options: { soft?: boolean } = {}): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious
    .map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n'),
    )
    .join('\n');
  (options.soft ? expect.soft : expect)(serious, `axe-core found serious/critical violations on ${where}:\n${report}`).toEqual([]);
}

/**
 * Clicks an entry of the main navigation. On a phone the entries fold under «Menu»: it is opened
 * first, as a person would.
 */
export async function navigateTo(page: Page, name: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  const menu = nav.getByRole('button', { name: 'Menu' });
  if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await nav.getByRole('link', { name, exact: true }).click();
}

/** A professional logged in on their own browser context, in the call room of the first consultation. */
export async function professionalInRoom(browser: Browser, account: DemoAccount, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await login(page, account);
  await openFirstConsultation(page);
  await page.getByRole('button', { name: 'Rejoindre la salle' }).click();
  await expect(page.getByTestId('tile-self')).toBeVisible();
  return { page, close: () => context.close() };
}
