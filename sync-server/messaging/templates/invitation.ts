/**
 * The invitation to a teleconsultation (SPEC §6): a French email (text and HTML, the .ics
 * attached, the link, what to prepare) and a short SMS. Nothing medical goes in them: no reason,
 * no fiche, only who invites, when, and the link.
 */
import { parisWallClock, roomWindow } from '../../../schema/consultation.ts';
import type { OutgoingEmail, OutgoingSms } from '../types.ts';
import { calendarEvent } from './ics.ts';

export interface InvitationContent {
  consultationId: string;
  invitationId: string;
  recipientName: string;
  /** The companion is told whom they accompany; the patient is not told their own name. */
  accompanying: string | null;
  professionalName: string;
  start: string;
  durationMinutes: number;
  link: string;
  /** «Invitation téléphonique»: the call is now. */
  instant: boolean;
}

const frDateTime = (ms: number): { date: string; time: string } => {
  const { date, time } = parisWallClock(ms);
  const [y, m, d] = date.split('-');
  return { date: `${d}/${m}/${y}`, time };
};

const escapeHtml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function invitationEmail(c: InvitationContent, to: string, now = Date.now()): OutgoingEmail {
  const start = Date.parse(c.start);
  const end = start + c.durationMinutes * 60_000;
  const window = roomWindow({ start: c.start, durationMinutes: c.durationMinutes });
  const when = frDateTime(start);
  const opens = frDateTime(window.opensAt);
  const closes = frDateTime(window.closesAt);
  const subject = c.instant
    ? `Téléconsultation avec ${c.professionalName} : rejoignez-la maintenant`
    : `Invitation à une téléconsultation le ${when.date} à ${when.time}`;
  const purposeLine = c.accompanying
    ? `${c.professionalName} vous invite à accompagner ${c.accompanying} lors d’une téléconsultation`
    : `${c.professionalName} vous invite à une téléconsultation`;
  const whenLine = c.instant ? 'qui commence maintenant.' : `le ${when.date} à ${when.time} (heure de Paris), pour ${c.durationMinutes} minutes.`;
  const prepare = [
    'un ordinateur, une tablette ou un téléphone avec caméra, micro et haut-parleur (ou des écouteurs) ;',
    'un navigateur récent (Chrome, Firefox, Edge ou Safari) : rien à installer ;',
    'une pièce calme et bien éclairée, et une bonne connexion internet.',
  ];
  const validity = `Le lien est valable du ${opens.date} à ${opens.time} au ${closes.date} à ${closes.time} (heure de Paris).`;
  const text = [
    `Bonjour ${c.recipientName},`,
    '',
    `${purposeLine} ${whenLine}`,
    '',
    'Pour rejoindre la téléconsultation, ouvrez ce lien :',
    c.link,
    '',
    validity,
    '',
    'À préparer :',
    ...prepare.map((p) => `- ${p}`),
    '',
    'Ce lien vous est personnel : ne le transférez pas.',
    '',
    'Relais — téléconsultation',
  ].join('\n');
  const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, sans-serif; color: #1f2933; line-height: 1.5">
<p>Bonjour ${escapeHtml(c.recipientName)},</p>
<p>${escapeHtml(purposeLine)} ${escapeHtml(whenLine)}</p>
<p><a href="${escapeHtml(c.link)}" style="display:inline-block; background:#1d4ed8; color:#ffffff; padding:12px 20px; border-radius:6px; text-decoration:none; font-weight:bold">Rejoindre la téléconsultation</a></p>
<p>Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :<br><a href="${escapeHtml(c.link)}">${escapeHtml(c.link)}</a></p>
<p>${escapeHtml(validity)}</p>
<p><strong>À préparer :</strong></p>
<ul>${prepare.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
<p>Ce lien vous est personnel : ne le transférez pas.</p>
<p>Relais — téléconsultation</p>
</body></html>`;
  const ics = calendarEvent({
    uid: `${c.consultationId}-${c.invitationId}@relais`,
    start,
    end,
    stamp: now,
    summary: `Téléconsultation avec ${c.professionalName}`,
    description: `Rejoindre la téléconsultation : ${c.link}\n${validity}`,
    url: c.link,
    organizerName: c.professionalName,
  });
  return {
    to,
    subject,
    text,
    html,
    attachments: [{ filename: 'teleconsultation.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: new TextEncoder().encode(ics) }],
    purpose: 'invitation',
  };
}

export function invitationSms(c: InvitationContent, to: string): OutgoingSms {
  const { date, time } = frDateTime(Date.parse(c.start));
  const when = c.instant ? 'maintenant' : `le ${date} à ${time}`;
  return { to, text: `Relais : téléconsultation avec ${c.professionalName} ${when}. Rejoindre : ${c.link}`, purpose: 'invitation' };
}
