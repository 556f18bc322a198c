import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  DOCTOR,
  NURSE,
  connectionBadge,
  displayName,
  ficheField,
  login,
  openFirstConsultation,
  storedUpdateCount,
  typeAtEnd,
  waitForServiceWorker,
  waitUntilOnline,
} from './helpers.ts';

interface Professional {
  context: BrowserContext;
  page: Page;
  name: string;
}

async function arrive(browser: Browser, account: typeof DOCTOR): Promise<Professional> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, account);
  return { context, page, name: await displayName(page) };
}

test.describe('fiche de téléconsultation', () => {
  let a: Professional;
  let b: Professional;

  test.beforeEach(async ({ browser }) => {
    a = await arrive(browser, DOCTOR);
    b = await arrive(browser, NURSE);
  });

  test.afterEach(async () => {
    await a.context.close();
    await b.context.close();
  });

  test('§7.1.2 two professionals co-edit the fiche live', async () => {
    const id = await openFirstConsultation(a.page);
    const idB = await openFirstConsultation(b.page);
    expect(idB, 'both professionals open the same first demo consultation').toBe(id);
    await waitUntilOnline(a.page);
    await waitUntilOnline(b.page);

    // Presence: each sees the other among the people here.
    await expect(a.page.getByRole('region', { name: 'Personnes présentes' })).toContainText(b.name);
    await expect(b.page.getByRole('region', { name: 'Personnes présentes' })).toContainText(a.name);

    const motifA = ficheField(a.page, 'Motif');
    const motifB = ficheField(b.page, 'Motif');
    await typeAtEnd(motifA, 'Plaie du talon droit.');
    await expect(motifB).toHaveValue('Plaie du talon droit.');
    // A is in «Motif»: B is told so on that field.
    await expect(b.page.getByText(`${a.name} écrit ici`)).toBeVisible();

    await typeAtEnd(motifB, ' Pansement refait ce matin.');
    await expect(motifA).toHaveValue('Plaie du talon droit. Pansement refait ce matin.');
    await expect(motifB).toHaveValue('Plaie du talon droit. Pansement refait ce matin.');
    await expect(a.page.getByText(`${b.name} écrit ici`)).toBeVisible();
    // Your own presence is not shown on the fields.
    await expect(a.page.getByText(`${a.name} écrit ici`)).toHaveCount(0);
  });

  test('§8 offline edits survive a reload and merge', async () => {
    const id = await openFirstConsultation(a.page);
    await openFirstConsultation(b.page);
    await waitForServiceWorker(b.page);
    await waitUntilOnline(a.page);
    await waitUntilOnline(b.page);

    // Other specs may have written in this demo fiche already: start from what is there.
    const initial = await ficheField(b.page, 'Conclusion').inputValue();
    await b.context.setOffline(true);
    await expect(connectionBadge(b.page)).toHaveText('Hors ligne');

    const fromA = 'Cicatrisation en bonne voie.';
    const fromB = 'Revoir dans 7 jours.';
    await typeAtEnd(ficheField(a.page, 'Conclusion'), fromA);
    const before = await storedUpdateCount(b.page, id);
    await typeAtEnd(ficheField(b.page, 'Conclusion'), fromB);
    await expect
      .poll(() => storedUpdateCount(b.page, id), { message: 'offline edits are written to IndexedDB' })
      .toBeGreaterThanOrEqual(before + fromB.length);
    // Offline, A's text cannot have reached B.
    await expect(ficheField(b.page, 'Conclusion')).toHaveValue(initial + fromB);

    await b.page.reload();
    await expect(b.page.getByRole('heading', { level: 2, name: 'Dossier' })).toBeVisible();
    await expect(connectionBadge(b.page)).toHaveText('Hors ligne');
    await expect(ficheField(b.page, 'Conclusion')).toHaveValue(initial + fromB);

    await b.context.setOffline(false);
    await expect(connectionBadge(b.page)).toHaveText('En ligne');
    for (const page of [a.page, b.page]) {
      const conclusion = ficheField(page, 'Conclusion');
      await expect(conclusion).toHaveValue(new RegExp(fromA.replace('.', '\\.')));
      await expect(conclusion).toHaveValue(new RegExp(fromB.replace('.', '\\.')));
    }
    expect(await ficheField(a.page, 'Conclusion').inputValue()).toBe(
      await ficheField(b.page, 'Conclusion').inputValue(),
    );
  });
});
