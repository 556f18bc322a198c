/** French, the default language: every user-visible string of the client. */
import { accountsFr } from './areas/accounts.fr.ts';
import { consultationFr } from './areas/consultation.fr.ts';
import { dossierFr } from './areas/dossier.fr.ts';
import { roomFr } from './areas/room.fr.ts';
import { errorsFr } from './areas/errors.fr.ts';

export const fr = {
  ...accountsFr,
  ...consultationFr,
  ...dossierFr,
  ...roomFr,
  ...errorsFr,

  'app.name': 'Relais',
  'app.skipToContent': 'Aller au contenu',
  'app.loading': 'Chargement…',

  'nav.label': 'Navigation principale',
  'nav.menu': 'Menu',
  'nav.home': 'Accueil',
  'nav.logout': 'Se déconnecter',

  'login.title': 'Connexion',
  'login.subtitle': 'Téléconsultation pour les EHPAD',
  'login.method.password': 'Identifiant / mot de passe',
  'login.identifier': 'Identifiant',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.submitting': 'Connexion…',
  'login.error.network': 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
  'login.error.unknown': 'La connexion a échoué. Réessayez.',

  'activity.title': 'Vue activité',
  'activity.list': 'Télédossiers consultables',
  'activity.empty': 'Aucune téléconsultation pour le moment.',
  'activity.error': 'La liste des téléconsultations n’a pas pu être chargée.',
  'activity.offline': 'Hors ligne : liste enregistrée lors de la dernière connexion.',
  'activity.col.patient': 'Patient',
  'activity.col.date': 'Date',
  'activity.col.status': 'Statut',
  'activity.col.reason': 'Motif',

  'status.scheduled': 'Programmée',
  'status.ongoing': 'En cours',
  'status.ended': 'Terminée',

  'consultation.title': 'Téléconsultation',
  'consultation.titleWith': 'Téléconsultation — {patient}',
  'consultation.when': 'Créneau',
  'consultation.duration': '{minutes} min',
  'consultation.status': 'Statut',
  'consultation.reason': 'Motif de la demande',
  'consultation.consent': 'Consentement',
  'consultation.consentBy.patient': 'Donné par le patient',
  'consultation.consentBy.representative': 'Donné par {name} (représentant légal)',
  'consultation.consentMethod.oral': 'oralement',
  'consultation.consentMethod.written': 'par écrit',
  'consultation.consentLine': '{who}, {how}, le {when}',
  'consultation.accompaniment': 'Accompagnement',
  'consultation.accompaniment.none': 'Patient seul',
  'consultation.accompaniment.relative': 'Proche : {name} ({detail})',
  'consultation.accompaniment.professional': 'Professionnel de santé : {name} ({detail})',
  'consultation.notFound': 'Cette téléconsultation est introuvable ou ne vous est pas accessible.',
  'consultation.unavailable': 'Les informations de la téléconsultation ne sont pas disponibles hors ligne.',
  'consultation.back': 'Retour à la vue activité',

  'dossier.title': 'Dossier',
  'dossier.fiche': 'Fiche de téléconsultation',
  'dossier.fieldLoading': 'Chargement du champ…',
  'dossier.editingHere': '{name} écrit ici',
  'dossier.field.motif': 'Motif',
  'dossier.field.antecedents': 'Antécédents',
  'dossier.field.traitements': 'Traitements en cours',
  'dossier.field.examenClinique': 'Examen clinique',
  'dossier.field.conclusion': 'Conclusion',
  'dossier.field.conduiteATenir': 'Conduite à tenir',
  'dossier.field.prescriptions': 'Prescriptions',

  'presence.title': 'Personnes présentes',
  'presence.you': '{name} (vous)',
  'presence.inField': 'dans « {field} »',

  'sync.online': 'En ligne',
  'sync.syncing': 'Synchronisation…',
  'sync.offline': 'Hors ligne',
  'sync.offlineHint': 'Vos modifications sont enregistrées sur ce poste et seront envoyées au retour du réseau.',
  'sync.refused': 'Accès au dossier refusé',
} as const;

export type MessageKey = keyof typeof fr;
/** Every language must provide exactly the French keys. */
export type Messages = { readonly [K in MessageKey]: string };
