/**
 * The REST contract: every route of /api, once. For each: its method, its path (with named,
 * checked parameters), its query, its request body and its response. The server's router
 * (sync-server/http/routes.ts), the client's `apiCall` and `GET /api/openapi.json` are derived
 * from this table, so a client that posts a field the route does not read fails to compile.
 *
 * Request schemas are enforced at the server's edge (a bad field answers 400 naming it, nothing
 * stored). Response schemas type the client; the server's own objects are trusted. Semantic
 * checks that need the store or the clock (a duplicate identity, a slot in the past) stay in the
 * handlers, with their per-field messages: the contract checks shapes and bounds.
 * Pure code: no I/O.
 */
import * as v from 'valibot';
import type { AuditResponse, Colleague, ConsultationSummary, SessionUser, VaultLinkSummary as VaultLinkView } from './api.ts';
import type { AccountSecurity, ChallengeResponse, TotpEnrolment } from './auth.ts';
import type { AccountRow, AccountsResponse, ProvisionalPasswordResponse } from './adminAccounts.ts';
import type { PatientIdentity } from './identity.ts';
import type { GuestInvitation, InvitationView } from './consultation.ts';
import type { DirectoryEntry } from './directory.ts';
import type { DocumentEntry, FicheSignature } from './dossier.ts';
import type { PeerTicketResponse, SentDocument } from './room.ts';

/** A shape typed by an existing interface, not checked at run time (what the server answers). */
const shape = <T>(description: string) => v.pipe(v.custom<T>(() => true), v.description(description));

/** Ids made by the server (newId, random base64url). */
const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'identifiant invalide'));
/** A vault link's token: 32 random bytes, base64url. */
const VaultToken = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'lien invalide'));
const text = (max: number) => v.pipe(v.string(), v.maxLength(max, `${max} caractères au plus`));
const optionalText = (max: number) => v.optional(v.nullable(text(max)));
const flag = v.optional(v.picklist(['1', '0']));

export const BINARY = { binary: true } as const;
export type Binary = typeof BINARY;
export const isBinary = (x: unknown): x is Binary => x === BINARY;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type AnySchema = v.GenericSchema;
type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface RouteSpec {
  method: Method;
  /** `:name` segments are parameters, declared in `params`. */
  path: string;
  summary: string;
  params?: ObjectSchema;
  query?: ObjectSchema;
  /** JSON body schema, or BINARY for a streamed upload (the handler reads the stream). */
  body?: AnySchema | Binary;
  /** JSON response, BINARY for a download, 'redirect' for a 302, 'none' for 204. */
  response: AnySchema | Binary | 'redirect' | 'none';
  /** Status of a success. */
  status?: 200 | 201 | 204 | 302;
}

const route = <const R extends RouteSpec>(spec: R): R => spec;

const consultationParams = v.object({ consultationId: Id });
const documentParams = v.object({ consultationId: Id, documentId: Id });
const vaultParams = v.object({ token: VaultToken });

const SessionUserResponse = v.object({ user: shape<SessionUser>('Le compte connecté.') });
const Consultation = v.object({ consultation: shape<ConsultationSummary>('Une téléconsultation.') });
const Patient = v.object({ patient: shape<PatientIdentity>('Une identité patient.') });
const Document = v.object({ document: shape<DocumentEntry>('Un document du télédossier.') });
const AccountResponse = v.object({ account: shape<AccountRow>('Un compte.') });
const VaultLinkSummary = shape<VaultLinkView>('Un lien du coffre-fort.');

const Contacts = v.object({ email: optionalText(254), mobile: optionalText(32) });

export const API = {
  health: route({ method: 'GET', path: '/api/health', summary: 'Le serveur répond.', response: v.object({ status: v.literal('ok') }) }),
  healthReady: route({
    method: 'GET',
    path: '/api/health/ready',
    summary:
      'Le serveur peut travailler : stockage inscriptible, clés en place, messagerie, signalisation vidéo. 503 avec les raisons sinon. Avec scope=node (le répartiteur de charge d’une grappe), seul ce qui est propre au nœud décide : la messagerie, commune à tous, est rapportée sans compter.',
    query: v.object({ scope: v.optional(v.picklist(['node'])) }),
    response: v.object({
      status: v.picklist(['ready', 'not_ready']),
      reasons: v.array(v.string()),
      checks: v.record(v.string(), v.object({ ok: v.boolean(), reason: v.optional(v.string()) })),
    }),
  }),
  openApi: route({ method: 'GET', path: '/api/openapi.json', summary: 'Ce document (OpenAPI 3.1).', response: v.record(v.string(), v.unknown()) }),

  /* ---------------------------------------------------------------- session (SPEC §1) */
  login: route({
    method: 'POST',
    path: '/api/session',
    summary: 'Connexion par identifiant et mot de passe.',
    // Optional here: the handler's own check answers «Identifiant manquant ou invalide.» as before.
    body: v.object({ identifier: v.optional(v.string()), password: v.optional(v.string()) }),
    response: SessionUserResponse,
  }),
  session: route({ method: 'GET', path: '/api/session', summary: 'Le compte connecté.', response: SessionUserResponse }),
  logout: route({ method: 'DELETE', path: '/api/session', summary: 'Déconnexion de ce poste.', response: 'none', status: 204 }),
  logoutEverywhere: route({ method: 'DELETE', path: '/api/sessions', summary: 'Déconnexion de tous les postes.', response: 'none', status: 204 }),
  loginChallenge: route({
    method: 'POST',
    path: '/api/session/challenge',
    summary: 'Connexion forte : mot de passe vérifié, code envoyé.',
    body: v.object({ identifier: v.optional(v.string()), password: v.optional(v.string()), channel: v.optional(v.string()) }),
    response: shape<ChallengeResponse>('La demande de code.'),
  }),
  loginCode: route({
    method: 'POST',
    path: '/api/session/code',
    summary: 'Connexion forte : le code reçu.',
    body: v.object({ challengeId: v.optional(v.string()), code: v.optional(v.string()) }),
    response: SessionUserResponse,
  }),
  accountSecurity: route({ method: 'GET', path: '/api/account/security', summary: 'Les seconds facteurs du compte.', response: shape<AccountSecurity>('Sécurité du compte.') }),
  totpStart: route({ method: 'POST', path: '/api/account/totp', summary: 'Commence l’enrôlement TOTP.', response: shape<TotpEnrolment>('Le secret TOTP.') }),
  totpConfirm: route({
    method: 'POST',
    path: '/api/account/totp/confirm',
    summary: 'Confirme l’enrôlement TOTP par un premier code.',
    body: v.object({ code: v.optional(text(32)) }),
    response: v.object({ totpEnrolled: v.boolean() }),
  }),
  totpRemove: route({ method: 'DELETE', path: '/api/account/totp', summary: 'Retire l’application d’authentification.', response: shape<AccountSecurity>('Sécurité du compte.') }),
  passwordChange: route({
    method: 'POST',
    path: '/api/account/password',
    summary: 'Change son mot de passe.',
    body: v.object({ current: v.optional(v.string()), next: v.optional(v.string()) }),
    response: v.object({ changed: v.boolean() }),
  }),
  pscStart: route({ method: 'GET', path: '/api/auth/psc', summary: 'Connexion Pro Santé Connect : départ.', response: 'redirect', status: 302 }),
  pscCallback: route({
    method: 'GET',
    path: '/api/auth/psc/callback',
    summary: 'Connexion Pro Santé Connect : retour du fournisseur.',
    // Read whole by the OIDC client (code, state, iss, error): declared for the document only.
    query: v.object({ code: v.optional(v.string()), state: v.optional(v.string()), iss: v.optional(v.string()), error: v.optional(v.string()) }),
    response: 'redirect',
    status: 302,
  }),

  /* ---------------------------------------------------------------- administration */
  auditLog: route({
    method: 'GET',
    path: '/api/audit',
    summary: 'Le journal d’audit de ses établissements.',
    query: v.object({ person: v.optional(text(64)), patient: v.optional(text(64)), from: v.optional(text(32)), to: v.optional(text(32)) }),
    response: shape<AuditResponse>('Les événements et les personnes qui y figurent.'),
  }),
  accounts: route({ method: 'GET', path: '/api/admin/accounts', summary: 'Les comptes de ses établissements.', response: shape<AccountsResponse>('Comptes et établissements.') }),
  accountCreate: route({
    method: 'POST',
    path: '/api/admin/accounts',
    summary: 'Crée un compte, avec un mot de passe provisoire.',
    body: v.object({
      identifier: v.optional(v.string()),
      displayName: v.optional(v.string()),
      profession: v.optional(v.string()),
      establishmentId: v.optional(v.string()),
      rpps: v.optional(v.string()),
      specialty: v.optional(v.string()),
      email: v.optional(v.string()),
      mobile: v.optional(v.string()),
      role: v.optional(v.string()),
    }),
    response: shape<ProvisionalPasswordResponse>('Le compte et son mot de passe provisoire.'),
    status: 201,
  }),
  accountPassword: route({
    method: 'POST',
    path: '/api/admin/accounts/:accountId/password',
    summary: 'Donne un nouveau mot de passe provisoire.',
    params: v.object({ accountId: Id }),
    response: shape<ProvisionalPasswordResponse>('Le compte et son mot de passe provisoire.'),
  }),
  accountUnlock: route({
    method: 'POST',
    path: '/api/admin/accounts/:accountId/unlock',
    summary: 'Débloque un compte.',
    params: v.object({ accountId: Id }),
    response: AccountResponse,
  }),

  /* ---------------------------------------------------------------- consultations (SPEC §4–§6) */
  consultations: route({
    method: 'GET',
    path: '/api/consultations',
    summary: '«Mes rendez-vous».',
    response: v.object({ consultations: v.array(shape<ConsultationSummary>('Une téléconsultation.')) }),
  }),
  consultation: route({ method: 'GET', path: '/api/consultations/:consultationId', summary: 'Une téléconsultation.', params: consultationParams, response: Consultation }),
  consultationCreate: route({
    method: 'POST',
    path: '/api/consultations',
    summary: 'Crée une téléconsultation et envoie les invitations.',
    body: v.object({
      patientId: v.optional(text(64)),
      consent: v.optional(
        v.object({
          givenBy: v.optional(v.string()),
          representativeName: optionalText(1000),
          method: v.optional(v.string()),
          givenAt: v.optional(text(40)),
        }),
      ),
      patientContacts: v.optional(Contacts),
      companion: v.optional(
        v.object({
          kind: v.optional(v.string()),
          name: optionalText(1000),
          relationship: optionalText(1000),
          profession: optionalText(1000),
          rpps: optionalText(32),
          secureEmail: optionalText(254),
          source: v.optional(v.string()),
          email: optionalText(254),
          mobile: optionalText(32),
        }),
      ),
      slot: v.optional(
        v.object({
          mode: v.optional(v.string()),
          date: optionalText(32),
          time: optionalText(32),
          durationMinutes: v.optional(v.number('nombre attendu')),
        }),
      ),
      reason: v.optional(text(2000)),
      colleagues: v.optional(v.array(text(64))),
    }),
    response: Consultation,
    status: 201,
  }),
  consultationInstant: route({
    method: 'POST',
    path: '/api/consultations/instant',
    summary: '«Invitation téléphonique» : une téléconsultation tout de suite.',
    body: v.object({ contact: v.optional(text(254)), consent: v.optional(v.boolean('oui ou non attendu')) }),
    response: Consultation,
    status: 201,
  }),
  invitations: route({
    method: 'GET',
    path: '/api/consultations/:consultationId/invitations',
    summary: 'Les invitations envoyées et leur état.',
    params: consultationParams,
    response: v.object({ invitations: v.array(shape<InvitationView>('Une invitation.')) }),
  }),
  invitationCreate: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/invitations',
    summary: 'Invite une personne de plus à l’appel.',
    params: consultationParams,
    body: v.object({ name: v.optional(text(1000)), email: optionalText(254), mobile: optionalText(32) }),
    response: v.object({ invitations: v.array(shape<InvitationView>('Une invitation.')) }),
    status: 201,
  }),
  invitationResend: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/invitations/:invitationId/resend',
    summary: 'Renvoie une invitation.',
    params: v.object({ consultationId: Id, invitationId: Id }),
    response: v.object({ invitation: shape<InvitationView>('Une invitation.') }),
  }),

  /* ---------------------------------------------------------------- patients (SPEC §3) */
  patients: route({
    method: 'GET',
    path: '/api/patients',
    summary: 'Recherche d’identités patient.',
    query: v.object({ q: v.optional(v.string()), birthDate: v.optional(v.string()) }),
    response: v.object({ patients: v.array(shape<PatientIdentity>('Une identité patient.')) }),
  }),
  patient: route({ method: 'GET', path: '/api/patients/:patientId', summary: 'Une identité patient.', params: v.object({ patientId: Id }), response: Patient }),
  patientCreate: route({
    method: 'POST',
    path: '/api/patients',
    summary: 'Crée une identité patient (avertit d’un doublon probable).',
    body: v.object({
      establishmentId: v.optional(v.string()),
      confirmDuplicate: v.optional(v.boolean('oui ou non attendu')),
      ...patientInputEntries(),
    }),
    response: Patient,
    status: 201,
  }),
  patientUpdate: route({
    method: 'PUT',
    path: '/api/patients/:patientId',
    summary: 'Modifie une identité patient.',
    params: v.object({ patientId: Id }),
    body: v.object(patientInputEntries()),
    response: Patient,
  }),
  colleagues: route({
    method: 'GET',
    path: '/api/colleagues',
    summary: 'Les professionnels de l’établissement (participants possibles, avec ou sans RPPS).',
    response: v.object({ colleagues: v.array(shape<Colleague>('Un professionnel de l’établissement.')) }),
  }),
  directory: route({
    method: 'GET',
    path: '/api/directory',
    summary: 'Recherche dans l’annuaire des professionnels (RPPS).',
    query: v.object({ q: v.optional(v.string()) }),
    response: v.object({ professionals: v.array(shape<DirectoryEntry>('Un professionnel.')) }),
  }),

  /* ---------------------------------------------------------------- call room (SPEC §6–§7.2) */
  guestInvitation: route({
    method: 'GET',
    path: '/api/join',
    summary: 'Ce que dit une invitation à son invité (avec `Authorization: Invitation <jeton>`) : avec qui, quand, et si la salle est ouverte.',
    response: shape<GuestInvitation>('L’invitation : le professionnel, l’heure du rendez-vous, la fenêtre de la salle et son état.'),
  }),
  roomParticipants: route({
    method: 'GET',
    path: '/api/room/:consultationId/participants',
    summary: 'Qui sont les pairs de l’appel.',
    params: consultationParams,
    query: v.object({ peers: v.optional(v.string()) }),
    response: v.object({ participants: v.record(v.string(), v.object({ name: v.string(), kind: v.picklist(['professional', 'guest']) })) }),
  }),
  peerTicket: route({
    method: 'POST',
    path: '/api/room/:consultationId/peer-ticket',
    summary: 'Un ticket pour le serveur de signalisation.',
    params: consultationParams,
    response: shape<PeerTicketResponse>('Le ticket.'),
  }),
  roomSend: route({
    method: 'POST',
    path: '/api/room/:consultationId/sent',
    summary: 'Montre un document aux invités de l’appel.',
    params: consultationParams,
    body: v.object({ documentId: v.optional(v.string()) }),
    response: v.object({ sent: shape<SentDocument>('Le document montré.') }),
    status: 201,
  }),
  roomSentDocument: route({
    method: 'GET',
    path: '/api/room/:consultationId/sent/:documentId',
    summary: 'Télécharge un document montré dans l’appel.',
    params: documentParams,
    query: v.object({ invitation: v.optional(text(2048)) }),
    response: BINARY,
  }),

  /* ---------------------------------------------------------------- documents (SPEC §7.1) */
  annotateLicence: route({ method: 'GET', path: '/api/annotate/licence', summary: 'La clé de licence de l’outil d’annotation.', response: v.object({ licenseKey: v.nullable(v.string()) }) }),
  documentUpload: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/documents',
    summary: 'Ajoute un document (corps : le fichier).',
    params: consultationParams,
    query: v.object({ name: v.optional(text(1000)) }),
    body: BINARY,
    response: Document,
    status: 201,
  }),
  document: route({
    method: 'GET',
    path: '/api/consultations/:consultationId/documents/:documentId',
    summary: 'Télécharge un document.',
    params: documentParams,
    query: v.object({ inline: flag }),
    response: BINARY,
  }),
  documentStamp: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/documents/:documentId/stamp',
    summary: 'Appose sa signature sur un PDF.',
    params: documentParams,
    response: Document,
    status: 201,
  }),
  documentToPdf: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/documents/:documentId/pdf',
    summary: 'Convertit une image en PDF.',
    params: documentParams,
    response: Document,
    status: 201,
  }),
  dossierExport: route({ method: 'GET', path: '/api/consultations/:consultationId/export.zip', summary: 'Exporte le télédossier (ZIP).', params: consultationParams, response: BINARY }),
  ficheSign: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/fiche/signatures',
    summary: 'Signe la fiche (PDF signé ajouté au télédossier).',
    params: consultationParams,
    response: v.object({ signature: shape<FicheSignature>('La signature.'), document: shape<DocumentEntry>('Le PDF signé.') }),
    status: 201,
  }),
  fichePdf: route({
    method: 'GET',
    path: '/api/consultations/:consultationId/fiche.pdf',
    summary: 'La fiche en PDF (brouillon).',
    params: consultationParams,
    query: v.object({ inline: flag }),
    response: BINARY,
  }),
  signatureUpload: route({
    method: 'PUT',
    path: '/api/me/signature',
    summary: 'Charge l’image de sa signature (corps : PNG ou JPEG).',
    body: BINARY,
    response: v.object({ signature: v.object({ mimeType: v.string(), size: v.number() }) }),
  }),
  signature: route({ method: 'GET', path: '/api/me/signature', summary: 'L’image de sa signature.', response: BINARY }),
  signatureDelete: route({ method: 'DELETE', path: '/api/me/signature', summary: 'Supprime sa signature.', response: 'none', status: 204 }),

  /* ---------------------------------------------------------------- sending (SPEC §7.1.4) */
  vaultCreate: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/documents/:documentId/vault',
    summary: 'Dépose un PDF dans le coffre-fort et envoie le lien.',
    params: documentParams,
    body: v.object({ recipients: v.pipe(v.array(text(254), 'liste attendue'), v.maxLength(50, '50 destinataires au plus')) }),
    response: v.object({ links: v.array(VaultLinkSummary) }),
    status: 201,
  }),
  vaultLinks: route({
    method: 'GET',
    path: '/api/consultations/:consultationId/vault-links',
    summary: 'Les liens du coffre-fort d’une téléconsultation.',
    params: consultationParams,
    response: v.object({ links: v.array(VaultLinkSummary) }),
  }),
  vaultRevoke: route({
    method: 'DELETE',
    path: '/api/consultations/:consultationId/vault-links/:linkId',
    summary: 'Annule un lien du coffre-fort.',
    params: v.object({ consultationId: Id, linkId: Id }),
    response: v.object({ link: VaultLinkSummary }),
  }),
  vault: route({
    method: 'GET',
    path: '/api/vault/:token',
    summary: 'Le coffre-fort vu par son destinataire.',
    params: vaultParams,
    response: v.object({
      vault: shape<{
        documentName: string;
        senderName: string;
        size: number;
        expiresAt: string;
        state: 'open' | 'expired' | 'revoked' | 'locked';
        proof: 'sms' | 'email' | 'birthDate';
        maskedMobile: string | null;
        maskedEmail: string | null;
        channels: ('sms' | 'email')[];
        birthDateAllowed: boolean;
        triesLeft: number;
      }>('L’état du lien.'),
    }),
  }),
  vaultCode: route({
    method: 'POST',
    path: '/api/vault/:token/code',
    summary: 'Envoie un code à usage unique.',
    params: vaultParams,
    body: v.optional(v.object({ channel: v.optional(v.string()) })),
    response: v.object({ sent: v.boolean(), channel: v.picklist(['sms', 'email']), to: v.string(), maskedMobile: v.nullable(v.string()) }),
  }),
  vaultUnlock: route({
    method: 'POST',
    path: '/api/vault/:token/unlock',
    summary: 'Déverrouille par code ou date de naissance.',
    params: vaultParams,
    body: v.object({ answer: v.optional(text(64)), method: v.optional(v.string()) }),
    response: v.object({ downloadKey: v.string() }),
  }),
  vaultDocument: route({
    method: 'GET',
    path: '/api/vault/:token/document',
    summary: 'Télécharge le document déverrouillé.',
    params: vaultParams,
    query: v.object({ key: v.optional(text(128)) }),
    response: BINARY,
  }),
  secureMessaging: route({
    method: 'POST',
    path: '/api/consultations/:consultationId/documents/:documentId/secure-messaging',
    summary: 'Envoie un PDF par messagerie sécurisée (MSSanté) à un professionnel de l’annuaire.',
    params: documentParams,
    body: v.object({ rpps: v.optional(text(32)) }),
    response: v.object({ sent: v.boolean(), to: v.string() }),
  }),
} as const satisfies Record<string, RouteSpec>;

/** What the identity form sends: types and bounds here, the INS rules in validatePatientInput. */
function patientInputEntries() {
  return {
    birthName: v.optional(text(1000)),
    firstNames: v.optional(text(1000)),
    birthDate: v.optional(text(32)),
    sex: v.optional(v.string()),
    birthPlace: optionalText(32),
    usedName: optionalText(1000),
    usedFirstName: optionalText(1000),
    insMatricule: optionalText(64),
    status: v.optional(v.string()),
    identityDocument: optionalText(64),
    email: optionalText(254),
    mobile: optionalText(32),
  };
}

export type Api = typeof API;
export type RouteId = keyof Api;

type Out<S> = S extends AnySchema ? v.InferOutput<S> : never;
type In<S> = S extends AnySchema ? v.InferInput<S> : never;

export type ParamsOf<Id extends RouteId> = Api[Id] extends { params: infer P } ? Out<P> : Record<string, never>;
export type QueryOf<Id extends RouteId> = Api[Id] extends { query: infer Q } ? Out<Q> : Record<string, never>;
/** The body as the handler reads it (after validation). */
export type BodyOf<Id extends RouteId> = Api[Id] extends { body: infer B } ? (B extends Binary ? AsyncIterable<Buffer> : Out<B>) : undefined;
/** The body as a client sends it. */
export type BodyInputOf<Id extends RouteId> = Api[Id] extends { body: infer B } ? (B extends Binary ? Blob : In<B>) : undefined;
export type QueryInputOf<Id extends RouteId> = Api[Id] extends { query: infer Q } ? In<Q> : undefined;
export type ResponseOf<Id extends RouteId> = Api[Id]['response'] extends AnySchema ? Out<Api[Id]['response']> : Api[Id]['response'] extends Binary ? Blob : undefined;

/** Every error body: a stable code for programs, a French message for people. */
export interface ApiErrorBody {
  error: string;
  message: string;
  /** The field a 400 `invalid_request` is about (dotted path). */
  field?: string;
  /** Per-field messages of a form (`invalid_fields`), in French. */
  fields?: Record<string, string>;
  /** Per-field error codes, where the rule has one (identity: IdentityErrorCode): the client words them in its language. */
  fieldCodes?: Record<string, string>;
}

/* ---------------------------------------------------------------- paths */

/** The parameter names of a path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
}

/** A path with its parameters filled in, each escaped. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/** `/api/x/:id` → `/api/x/{id}`, the OpenAPI spelling. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/* ---------------------------------------------------------------- validation messages */

/** The field names a person reads in a 400 (the form's own labels). */
const FIELD_LABELS: Record<string, string> = {
  identifier: 'identifiant',
  password: 'mot de passe',
  birthDate: 'date de naissance',
  birthName: 'nom de naissance',
  firstNames: 'prénoms',
  birthPlace: 'lieu de naissance',
  usedName: 'nom utilisé',
  usedFirstName: 'prénom utilisé',
  insMatricule: 'matricule INS',
  identityDocument: 'pièce d’identité',
  email: 'adresse e-mail',
  mobile: 'mobile',
  contact: 'contact',
  consent: 'consentement',
  reason: 'motif',
  recipients: 'destinataires',
  rpps: 'professionnel',
  documentId: 'document',
  name: 'nom',
  answer: 'réponse',
  durationMinutes: 'durée',
};

export interface Refusal {
  field: string;
  message: string;
}

/** The first issue of a failed parse, told in French with the field it is about. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): Refusal {
  const issue = issues[0];
  if (!issue) return { field: '', message: 'La requête est mal formée.' };
  const path = (issue.path ?? []).map((p) => String(p.key)).join('.');
  const last = issue.path?.at(-1)?.key;
  if (path === '') return { field: '', message: 'La requête est mal formée.' };
  const label = FIELD_LABELS[String(last)] ?? path;
  let reason: string;
  if (issue.input === undefined) reason = 'obligatoire';
  else if (issue.kind === 'schema' && issue.message.startsWith('Invalid')) reason = expected(issue.type);
  else reason = issue.message;
  return { field: path, message: `Champ « ${label} » : ${reason}.` };
}

function expected(type: string): string {
  switch (type) {
    case 'string':
      return 'texte attendu';
    case 'number':
      return 'nombre attendu';
    case 'boolean':
      return 'oui ou non attendu';
    case 'array':
      return 'liste attendue';
    case 'object':
      return 'objet attendu';
    default:
      return 'valeur invalide';
  }
}
