/**
 * The consultation's status follows who is in the call room (SPEC §2, §7.2 «Leaving and the
 * end»): a professional joining a scheduled consultation's room turns it «En cours» in a
 * colleague's «Mes rendez-vous» and in the télédossiers list, without reload.
 */
import { expect, test } from '@playwright/test';
import { parisWallClock } from '../schema/consultation.ts';
import { DOCTOR, NURSE, login } from './helpers.ts';

test('§2 joining the room of a consultation due in 10 minutes turns it «En cours» for a colleague, live; leaving turns it back', async ({ browser }) => {
  test.setTimeout(90_000);
  const doctorContext = await browser.newContext();
  const nurseContext = await browser.newContext();
  try {
    const doctor = await doctorContext.newPage();
    await login(doctor, DOCTOR);
    const patient = await doctor.request.post('/api/patients', {
      data: { birthName: 'Statut', firstNames: 'Lucie', birthDate: '1940-02-03', sex: 'F', email: 'lucie.statut@example.org' },
    });
    expect(patient.status(), await patient.text()).toBe(201);
    const patientId = ((await patient.json()) as { patient: { id: string } }).patient.id;
    // The nurse takes part (docs/ACCESS.md): «Mes rendez-vous» shows her only what she may open.
    const colleagues = (await (await doctor.request.get('/api/colleagues')).json()) as { colleagues: { id: string; displayName: string }[] };
    const nurseId = colleagues.colleagues.find((c) => c.displayName === 'Sophie Bernard (IDE)')!.id;
    // Inside its room window (opens 15 minutes before), but before its slot.
    const slot = parisWallClock(Date.now() + 10 * 60_000);
    const created = await doctor.request.post('/api/consultations', {
      data: {
        patientId,
        consent: { givenBy: 'patient', method: 'oral', givenAt: new Date().toISOString() },
        patientContacts: { email: 'lucie.statut@example.org' },
        companion: { kind: 'none' },
        slot: { mode: 'later', date: slot.date, time: slot.time, durationMinutes: 30 },
        reason: 'Suivi',
        colleagues: [nurseId],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const id = ((await created.json()) as { consultation: { id: string } }).consultation.id;

    const nurse = await nurseContext.newPage();
    await login(nurse, NURSE);
    const appointment = nurse.getByRole('list', { name: 'Mes rendez-vous' }).getByRole('listitem').filter({ hasText: 'STATUT' });
    await expect(appointment).toContainText('Programmée');

    // The doctor's own activity view, in a second tab: the télédossiers list.
    const list = await doctorContext.newPage();
    await list.goto('/');
    const item = list.getByRole('list', { name: 'Télédossiers consultables' }).getByRole('link').filter({ hasText: 'STATUT' });
    await expect(item).toContainText('Programmée');

    await doctor.goto(`/consultations/${encodeURIComponent(id)}`);
    await doctor.getByRole('button', { name: 'Rejoindre la salle' }).click();
    await expect(doctor.getByTestId('tile-self')).toBeVisible();

    await expect(appointment).toContainText('En cours', { timeout: 15_000 });
    await expect(appointment).toContainText('Dans la salle : Dr Claire Martin');
    await expect(appointment).toContainText('Appel commencé le');
    await expect(item).toContainText('En cours', { timeout: 15_000 });

    await doctor.getByRole('button', { name: 'Quitter la salle' }).click();
    // Nobody in the room and the slot not started yet: scheduled again.
    await expect(appointment).toContainText('Programmée', { timeout: 15_000 });
    await expect(appointment).not.toContainText('Dans la salle');
  } finally {
    await doctorContext.close();
    await nurseContext.close();
  }
});
