/**
 * Every page fits the screen (#15): each page a patient can see (the join page from a valid link,
 * a damaged link, a link before its room opens, the call, the page after leaving, the vault page
 * and its code step) and the professionals' main pages (login, «Vue activité», the top menu, a
 * consultation with its invitations and its send dialog, the new consultation wizard, «Paramètres»)
 * at 360 × 740 and 390 × 844 (touch phones) and 1280 × 800:
 *   - axe-core finds no serious or critical violation;
 *   - nothing is wider than the screen: the page does not scroll sideways and no element sticks out
 *     of it (the failure names the elements);
 * and at 200 % text (WCAG 1.4.4) on 640 CSS px — a 1280 px screen zoomed to 200 % (WCAG 1.4.10) —
 * the same pages do not scroll sideways. 200 % text is simulated by a style sheet that sets the
 * root font size to 200 % (what the browser's font-size setting does to a page sized in rem),
 * injected before the page's own scripts run, at every navigation.
 *
 * In the call, each button is given the keyboard focus (and, with a mouse, the pointer): whatever
 * tooltip it shows stays on the screen. The checks are soft: one run lists every offender.
 */
import { expect, test, type Browser, type BrowserContext, type Locator, type Page, type TestInfo } from '@playwright/test';
import { PDFDocument } from 'pdf-lib';
import { parisWallClock } from '../schema/consultation.ts';
import { DOCTOR, expectNoSeriousViolation, login, navigateTo } from './helpers.ts';
import { joinLinkOf, waitForOutbox } from './outbox.ts';

interface Mode {
  name: string;
  width: number;
  height: number;
  /** A touch phone: mobile viewport, touch events. */
  phone?: boolean;
  /** 200 % text: the root font size doubled. */
  bigText?: boolean;
  /** Only the pages a patient can see. */
  patientOnly?: boolean;
}

const MODES: Mode[] = [
  { name: '360 × 740', width: 360, height: 740, phone: true },
  // The patient's pages at this width too; the professional pages, laid out alike at 360, are not run again.
  { name: '390 × 844', width: 390, height: 844, phone: true, patientOnly: true },
  { name: '1280 × 800', width: 1280, height: 800 },
  { name: '200 % text on 640 px', width: 640, height: 800, bigText: true },
];

/**
 * What sticks out of a screen `width` CSS px wide: the page's own width, and the outermost
 * elements whose box goes past either edge (unless a scrolling or clipping box that fits holds
 * them: a wide table in its own scroll area does not move the page).
 */
async function overflowOffenders(page: Page, width: number): Promise<string[]> {
  return page.evaluate((width) => {
    const found: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > width) found.push(`the page is ${root.scrollWidth}px wide`);
    const describe = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const classes = [...el.classList].slice(0, 3).map((c) => `.${c}`).join('');
      const label = el.getAttribute('aria-label') ?? el.getAttribute('title') ?? '';
      const text = (label || (el.textContent ?? '')).replace(/\s+/g, ' ').trim().slice(0, 40);
      const r = el.getBoundingClientRect();
      return `<${el.tagName.toLowerCase()}${id}${classes}> «${text}» from ${Math.round(r.left)} to ${Math.round(r.right)}px`;
    };
    const heldInside = (el: Node): boolean => {
      for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
        if (getComputedStyle(a).overflowX === 'visible') continue;
        const r = a.getBoundingClientRect();
        if (r.left >= -1 && r.right <= width + 1) return true;
      }
      return false;
    };
    const offenders = new Set<Element>();
    const report = (el: Element, what: string) => {
      for (let a: Element | null = el; a; a = a.parentElement) if (offenders.has(a)) return;
      offenders.add(el);
      found.push(what);
    };
    const sticksOut = (r: DOMRect) => r.left < -0.5 || r.right > width + 0.5;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // Visually hidden text: a 1 px box, pulled 1 px left by its margin, which moves nothing.
      if (r.width <= 1 && r.height <= 1 && r.left >= -1 && r.right <= width + 1) continue;
      if (getComputedStyle(el).visibility === 'hidden') continue;
      if (sticksOut(r) && !heldInside(el)) report(el, describe(el));
    }
    // Text runs past its box (a long address in a heading) without the box itself sticking out.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || !node.textContent?.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && sticksOut(r) && !heldInside(node)) report(parent, `text of ${describe(parent)} runs to ${Math.round(r.right)}px`);
    }
    return found;
  }, width);
}

/**
 * The words of `where` cut across two lines («Destin ataire»): each word of its visible text is
 * measured; a word whose box is made of two rectangles was broken. An address (with «@») is one
 * long token and may break.
 */
async function brokenWords(where: Locator): Promise<string[]> {
  return where.evaluate((root) => {
    const broken: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      const parent = node.parentElement;
      if (!parent || parent.closest('.visually-hidden') || parent.getClientRects().length === 0) continue;
      for (const match of text.matchAll(/\S+/g)) {
        if (match[0].includes('@')) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
    return broken;
  });
}

/** Nothing sticks out of the screen as the page is now (soft). */
async function expectNoOverflow(page: Page, mode: Mode, where: string): Promise<void> {
  // Let a layout change (a menu, a dialog, a tooltip, a resize) settle.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  expect.soft(await overflowOffenders(page, mode.width), `nothing wider than the screen on ${where} at ${mode.name}`).toEqual([]);
}

/** The page as it is now, in `mode`: the overflow check and axe (not at 200 % text), soft. */
async function expectFits(page: Page, mode: Mode, where: string): Promise<void> {
  await expectNoOverflow(page, mode, where);
  if (!mode.bigText) await expectNoSeriousViolation(page, `${where} at ${mode.name}`, { soft: true });
}

/**
 * Every button of the page with the keyboard on it, then (with a mouse) under the pointer: a
 * tooltip it shows must stay on the screen.
 */
async function expectTooltipsFit(page: Page, mode: Mode, where: string): Promise<void> {
  const buttons = page.getByRole('main').getByRole('button');
  for (let i = 0; i < (await buttons.count()); i += 1) {
    const button = buttons.nth(i);
    if (!(await button.isVisible())) continue;
    const name = (await button.getAttribute('aria-label')) ?? (await button.innerText()).trim();
    await button.focus();
    await expectNoOverflow(page, mode, `${where}, the keyboard on «${name}»`);
    if (!mode.phone) {
      await button.hover();
      await expectNoOverflow(page, mode, `${where}, the pointer on «${name}»`);
    }
  }
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

async function newContext(browser: Browser, mode: Mode): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: mode.width, height: mode.height },
    ...(mode.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  if (mode.bigText) {
    await context.addInitScript(() => {
      const add = () => {
        const style = document.createElement('style');
        style.textContent = 'html { font-size: 200% !important; }';
        document.head.append(style);
      };
      if (document.head) add();
      else document.addEventListener('DOMContentLoaded', add);
    });
  }
  return context;
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: false }), contentType: 'image/png' });
}

/** The first group of the outbox message matching `pattern`. */
const fromOutbox = async (page: Page, pattern: RegExp, what: string): Promise<string> => (await waitForOutbox(page.request, pattern, what))[1]!;

interface Fixture {
  /** An ongoing consultation («Invitation téléphonique»), with a PDF and invitations. */
  ongoingId: string;
  joinPath: string;
  /** A consultation tomorrow: its link says when the room opens. */
  laterPath: string;
  /** One vault link per mode (a code step each). */
  vaultPaths: string[];
  pdfName: string;
}

let fixture: Fixture;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, DOCTOR);
  const run = Date.now().toString(36);

  const instant = await page.request.post('/api/consultations/instant', { data: { contact: `patient.fit.${run}@example.org`, consent: true } });
  expect(instant.status(), await instant.text()).toBe(201);
  const ongoingId = ((await instant.json()) as { consultation: { id: string } }).consultation.id;
  const joinPath = await fromOutbox(page, joinLinkOf(ongoingId), 'the invitation of the ongoing consultation');

  const pdf = await PDFDocument.create();
  pdf.addPage().drawText('Compte rendu');
  const pdfName = 'Compte rendu de téléconsultation.pdf';
  const uploaded = await page.request.post(`/api/consultations/${ongoingId}/documents?name=${encodeURIComponent(pdfName)}`, {
    headers: { 'Content-Type': 'application/pdf' },
    data: Buffer.from(await pdf.save()),
  });
  expect(uploaded.status(), await uploaded.text()).toBe(201);
  const documentId = ((await uploaded.json()) as { document: { id: string } }).document.id;
  const recipients = MODES.map((_, i) => `famille${i}.fit.${run}@example.org`);
  const sent = await page.request.post(`/api/consultations/${ongoingId}/documents/${documentId}/vault`, { data: { recipients } });
  expect(sent.status(), await sent.text()).toBe(201);
  const vaultPaths: string[] = [];
  for (const to of recipients) {
    const escaped = to.replace(/[.]/g, '\\.');
    vaultPaths.push(await fromOutbox(page, new RegExp(`${escaped}[\\s\\S]*?https?://[^\\s/]+(/coffre/[A-Za-z0-9_-]{43})`), `the vault link to ${to}`));
  }

  const patient = await page.request.post('/api/patients', {
    data: { birthName: 'Plustard', firstNames: 'Jeanne', birthDate: '1938-04-05', sex: 'F', email: `jeanne.plustard.${run}@example.org` },
  });
  // After a failed test the worker starts again and so does this setup: the identity is then known.
  expect([201, 409], await patient.text()).toContain(patient.status());
  const created = (await patient.json()) as { patient?: { id: string }; duplicates?: { id: string }[] };
  const patientId = created.patient?.id ?? created.duplicates![0]!.id;
  const slot = parisWallClock(Date.now() + 26 * 3600_000);
  const later = await page.request.post('/api/consultations', {
    data: {
      patientId,
      consent: { givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() },
      patientContacts: { email: `jeanne.plustard.${run}@example.org` },
      companion: { kind: 'none' },
      slot: { mode: 'later', date: slot.date, time: slot.time, durationMinutes: 30 },
      reason: 'Suivi',
    },
  });
  expect(later.status(), await later.text()).toBe(201);
  const laterId = ((await later.json()) as { consultation: { id: string } }).consultation.id;
  const laterPath = await fromOutbox(page, joinLinkOf(laterId), 'the invitation of tomorrow’s consultation');

  fixture = { ongoingId, joinPath, laterPath, vaultPaths, pdfName };
  await context.close();
});

MODES.forEach((mode, index) => {
  test(`patient pages fit at ${mode.name}`, async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await newContext(browser, mode);
    const page = await context.newPage();
    try {
      await page.goto('/rejoindre/pas-un-jeton');
      await expect(page.getByRole('alert')).toContainText('lien');
      await expectFits(page, mode, 'the join page of a damaged link');

      await page.goto(fixture.laterPath);
      await expect(page.getByRole('status')).toContainText('La salle ouvrira');
      await expectFits(page, mode, 'the join page before the room opens');

      await page.goto(fixture.joinPath);
      const join = page.getByRole('button', { name: 'Rejoindre', exact: true });
      await expect(join).toBeVisible();
      await expectFits(page, mode, 'the pre-join page');

      await join.click();
      const leave = page.getByRole('button', { name: /^Quitter/ });
      await expect(leave).toBeVisible({ timeout: 20_000 });
      await expectFits(page, mode, 'the call');
      await expectTooltipsFit(page, mode, 'the call');

      await leave.click();
      await expect(page.getByText('Vous avez quitté la salle.')).toBeVisible();
      await expectFits(page, mode, 'the page after leaving the call');

      await page.goto(fixture.vaultPaths[index]!);
      await expect(page.getByRole('heading', { level: 1, name: 'Coffre-fort sécurisé' })).toBeVisible();
      const byEmail = page.getByRole('button', { name: 'Recevoir le code par e-mail' });
      await expect(byEmail).toBeVisible();
      await expectFits(page, mode, 'the vault page');
      await byEmail.click();
      await page.getByLabel('Code reçu par e-mail').fill('000000');
      await page.getByRole('button', { name: 'Valider', exact: true }).click();
      await expect(page.getByRole('alert')).toContainText('Code incorrect');
      await expectFits(page, mode, 'the vault page’s code step, with an error');
    } finally {
      await context.close();
    }
  });

  if (!mode.patientOnly) {
    test(`professional pages fit at ${mode.name}`, async ({ browser }, testInfo) => {
      test.setTimeout(150_000);
      const context = await newContext(browser, mode);
      const page = await context.newPage();
      try {
        await page.goto('/connexion');
        await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
        await expectFits(page, mode, 'the login page');

        await login(page, DOCTOR);
        await expect(page.getByRole('list', { name: 'Télédossiers consultables' }).getByRole('link').first()).toBeVisible();
        await expectFits(page, mode, '«Vue activité»');

        const menu = page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Menu' });
        if (mode.width <= 700) {
          await menu.click();
          await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();
          await expectFits(page, mode, 'the open menu');
          expect.soft(await brokenWords(page.getByRole('navigation', { name: 'Navigation principale' })), `words cut across lines in the menu at ${mode.name}`).toEqual([]);
          if (mode.width === 360) await shot(page, testInfo, 'menu-360');
          await page.keyboard.press('Escape');
          await expect(menu).toHaveAttribute('aria-expanded', 'false');
        } else {
          await expect(menu).toBeHidden();
        }

        await page.goto(`/consultations/${encodeURIComponent(fixture.ongoingId)}`);
        await expect(page.getByRole('heading', { level: 2, name: 'Invitations' })).toBeVisible();
        const invitations = mode.width <= 600 ? page.getByRole('list', { name: 'Invitations' }) : page.getByRole('table', { name: 'Invitations' });
        await expect(invitations.getByRole('button', { name: /^Renvoyer l’invitation/ }).first()).toBeVisible();
        await expectFits(page, mode, 'a consultation with its invitations');
        const invitationsPanel = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Invitations' }) });
        expect.soft(await brokenWords(invitationsPanel), `words cut across lines in the invitations at ${mode.name}`).toEqual([]);
        if (mode.width === 360) {
          await invitations.scrollIntoViewIfNeeded();
          await shot(page, testInfo, 'invitations-360');
        }

        const documents = page.getByRole('list', { name: 'Documents du télédossier' });
        await documents.getByRole('listitem').filter({ hasText: fixture.pdfName }).getByRole('button', { name: /Envoyer le document/ }).click();
        const dialog = page.getByRole('dialog', { name: `Envoyer « ${fixture.pdfName} »` });
        await expect(dialog).toBeVisible();
        await expectFits(page, mode, 'the send dialog');
        await dialog.getByRole('button', { name: 'Fermer' }).click();
        await expect(dialog).toBeHidden();

        // The doctor in the call, on the consultation page: its tooltips and «Inviter un participant».
        await page.getByRole('button', { name: 'Rejoindre la salle' }).click();
        const leave = page.getByRole('button', { name: /^Quitter/ });
        await expect(leave).toBeVisible({ timeout: 20_000 });
        await expectFits(page, mode, 'a consultation, the doctor in the call');
        await expectTooltipsFit(page, mode, 'a consultation, the doctor in the call');
        await page.getByRole('button', { name: 'Inviter un participant' }).click();
        const invite = page.getByRole('dialog', { name: 'Inviter un participant' });
        await expect(invite).toBeVisible();
        await expectFits(page, mode, 'the dialog «Inviter un participant»');
        await invite.getByRole('button', { name: 'Annuler' }).click();
        await expect(invite).toBeHidden();
        expect.soft(await page.getByRole('tooltip').count(), `no tooltip left on the screen once «Inviter un participant» is closed, at ${mode.name}`).toBe(0);
        await leave.click();
        await expect(page.getByText('Vous avez quitté la salle.')).toBeVisible();

        await navigateTo(page, 'Création de consultation');
        await expect(page.getByRole('heading', { level: 1, name: 'Création de consultation' })).toBeVisible();
        await expectFits(page, mode, 'the wizard’s patient search');
        await page.getByRole('button', { name: 'Créer une identité' }).click();
        await page.getByRole('button', { name: 'Valider' }).click();
        await expect(page.getByText('Ce champ est obligatoire.').first()).toBeVisible();
        await expectFits(page, mode, 'the wizard’s identity form, with errors');
        await page.getByRole('button', { name: 'Annuler' }).click();
        await page.getByLabel('Nom de naissance ou prénom').fill('dupont');
        await page.getByRole('button', { name: 'Rechercher' }).click();
        await page.getByRole('button', { name: /DUPONT/ }).click();
        await page.getByRole('button', { name: 'Suivant' }).click();
        await expect(page.getByRole('heading', { name: 'Recueil de consentement patient' })).toBeVisible();
        await expectFits(page, mode, 'the wizard’s consent step');
        await page.getByLabel('Le patient (ou son représentant) consent à la téléconsultation').check();
        await page.getByRole('button', { name: 'Suivant' }).click();
        await page.getByLabel('Patient accompagné d’un professionnel de santé').check();
        await page.getByLabel('Rechercher un professionnel').fill('lyon');
        await page.getByRole('button', { name: 'Rechercher' }).click();
        await expect(page.getByRole('row', { name: /LAMBERT/ })).toBeVisible();
        await expectFits(page, mode, 'the wizard’s accompaniment step');
        await page.getByLabel('Patient seul').check();
        await page.getByRole('button', { name: 'Suivant' }).click();
        await page.getByLabel('Programmer un rendez-vous').check();
        await expectFits(page, mode, 'the wizard’s slot step');

        await navigateTo(page, 'Invitation téléphonique');
        await expect(page.getByRole('heading', { level: 1, name: 'Invitation téléphonique' })).toBeVisible();
        await expectFits(page, mode, '«Invitation téléphonique»');

        await navigateTo(page, 'Paramètres');
        await expect(page.getByRole('heading', { level: 1, name: 'Paramètres' })).toBeVisible();
        await expectFits(page, mode, '«Paramètres»');

        await navigateTo(page, 'Sécurité du compte');
        await expect(page.getByRole('heading', { level: 1, name: 'Sécurité du compte' })).toBeVisible();
        await expectFits(page, mode, '«Sécurité du compte»');
      } finally {
        await context.close();
      }
    });
  }
});

test.describe('the top menu on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('«Menu» shows every entry, by keyboard too; Escape closes it and gives the focus back', async ({ page }) => {
    await login(page, { identifier: 'admin.demo', password: 'relais-demo' });
    const nav = page.getByRole('navigation', { name: 'Navigation principale' });
    const menu = nav.getByRole('button', { name: 'Menu' });
    const entries = ['Accueil', 'Création de consultation', 'Invitation téléphonique', 'Sécurité du compte', 'Comptes', 'Journal d’audit', 'Paramètres'];
    // Folded: the entries are not on the screen, nor in the tab order.
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    for (const name of entries) await expect(nav.getByRole('link', { name, exact: true })).toBeHidden();

    await menu.focus();
    await page.keyboard.press('Enter');
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await expect(menu).toBeFocused();
    // Tab walks down the list: each entry, then «Se déconnecter», all within the screen.
    for (const name of [...entries, 'Se déconnecter']) {
      await page.keyboard.press('Tab');
      const entry = name === 'Se déconnecter' ? nav.getByRole('button', { name }) : nav.getByRole('link', { name, exact: true });
      await expect(entry).toBeFocused();
      const box = (await entry.boundingBox())!;
      expect(box.x, `${name} starts on the screen`).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, `${name} ends on the screen`).toBeLessThanOrEqual(360);
      expect(box.y + box.height, `${name} is above the bottom of the screen`).toBeLessThanOrEqual(740);
    }
    await page.keyboard.press('Escape');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(menu).toBeFocused();
    await expect(nav.getByRole('link', { name: 'Paramètres' })).toBeHidden();

    // A choice opens the page, folds the menu and puts the keyboard in the page.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(nav.getByRole('link', { name: 'Accueil' })).toBeFocused();
    await nav.getByRole('link', { name: 'Paramètres' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Paramètres' })).toBeVisible();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('main')).toBeFocused();

    // A tap outside closes it too.
    await menu.click();
    await expect(nav.getByRole('link', { name: 'Paramètres' })).toBeVisible();
    await page.getByRole('heading', { level: 1, name: 'Paramètres' }).click();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
  });
});
