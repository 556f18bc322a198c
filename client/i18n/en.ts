import type { Messages } from './fr.ts';

import { accountsEn } from './areas/accounts.en.ts';
import { consultationEn } from './areas/consultation.en.ts';
import { dossierEn } from './areas/dossier.en.ts';
import { roomEn } from './areas/room.en.ts';
import { errorsEn } from './areas/errors.en.ts';

export const en = {
  ...accountsEn,
  ...consultationEn,
  ...dossierEn,
  ...roomEn,
  ...errorsEn,

  'app.name': 'Relais',
  'app.skipToContent': 'Skip to content',
  'app.loading': 'Loading…',

  'nav.label': 'Main navigation',
  'nav.menu': 'Menu',
  'nav.home': 'Home',
  'nav.logout': 'Log out',

  'login.title': 'Log in',
  'login.subtitle': 'Teleconsultation for nursing homes',
  'login.method.password': 'Identifier / password',
  'login.identifier': 'Identifier',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.submitting': 'Logging in…',
  'login.error.network': 'The server cannot be reached. Check your connection and try again.',
  'login.error.unknown': 'Login failed. Please try again.',

  'activity.title': 'Activity',
  'activity.list': 'Available records',
  'activity.empty': 'No teleconsultation yet.',
  'activity.error': 'The list of teleconsultations could not be loaded.',
  'activity.offline': 'Offline: list saved at the last connection.',
  'activity.col.patient': 'Patient',
  'activity.col.date': 'Date',
  'activity.col.status': 'Status',
  'activity.col.reason': 'Reason',

  'status.scheduled': 'Scheduled',
  'status.ongoing': 'Ongoing',
  'status.ended': 'Ended',

  'consultation.title': 'Teleconsultation',
  'consultation.titleWith': 'Teleconsultation — {patient}',
  'consultation.when': 'Slot',
  'consultation.duration': '{minutes} min',
  'consultation.status': 'Status',
  'consultation.reason': 'Reason for the request',
  'consultation.consent': 'Consent',
  'consultation.consentBy.patient': 'Given by the patient',
  'consultation.consentBy.representative': 'Given by {name} (legal representative)',
  'consultation.consentMethod.oral': 'orally',
  'consultation.consentMethod.written': 'in writing',
  'consultation.consentLine': '{who}, {how}, on {when}',
  'consultation.accompaniment': 'Accompaniment',
  'consultation.accompaniment.none': 'Patient alone',
  'consultation.accompaniment.relative': 'Relative: {name} ({detail})',
  'consultation.accompaniment.professional': 'Health professional: {name} ({detail})',
  'consultation.notFound': 'This teleconsultation does not exist or is not available to you.',
  'consultation.unavailable': 'The teleconsultation details are not available offline.',
  'consultation.back': 'Back to activity',

  'dossier.title': 'Record',
  'dossier.fiche': 'Teleconsultation form',
  'dossier.fieldLoading': 'Loading field…',
  'dossier.editingHere': '{name} is writing here',
  'dossier.field.motif': 'Reason',
  'dossier.field.antecedents': 'Medical history',
  'dossier.field.traitements': 'Current treatments',
  'dossier.field.examenClinique': 'Clinical examination',
  'dossier.field.conclusion': 'Conclusion',
  'dossier.field.conduiteATenir': 'Recommended course of action',
  'dossier.field.prescriptions': 'Prescriptions',

  'presence.title': 'People here',
  'presence.you': '{name} (you)',
  'presence.inField': 'in “{field}”',

  'sync.online': 'Online',
  'sync.syncing': 'Syncing…',
  'sync.offline': 'Offline',
  'sync.offlineHint': 'Your changes are saved on this device and will be sent when the network is back.',
  'sync.refused': 'Access to the record refused',
} as const satisfies Messages;
