/**
 * Patient identity (SPEC §3), after the French INS rules: the strict traits stored apart from the
 * names in use, the identity status, and the validators the wizard and the server share.
 * Pure code: no I/O.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';

export type Sex = 'M' | 'F' | 'I';

/**
 * PROV: provisional. VALI: checked against an identity document. RECUP: retrieved from the national
 * INS service. QUAL: both. Only QUAL shows or sends its INS number.
 */
export type IdentityStatus = 'PROV' | 'VALI' | 'RECUP' | 'QUAL';
export const IDENTITY_STATUSES: readonly IdentityStatus[] = ['PROV', 'VALI', 'RECUP', 'QUAL'];

/** The identity documents that may back a VALI or QUAL status. */
export type IdentityDocument = 'carte-identite' | 'passeport' | 'titre-sejour' | 'livret-famille' | 'acte-naissance';
export const IDENTITY_DOCUMENTS: readonly IdentityDocument[] = [
  'carte-identite',
  'passeport',
  'titre-sejour',
  'livret-famille',
  'acte-naissance',
];

/** The INS strict traits, stored as typed in capitals without accents. */
export interface StrictTraits {
  birthName: string;
  /** Every birth first name, space separated, as on the ID document. */
  firstNames: string;
  /** The first birth first name, kept apart (INS). */
  firstName: string;
  /** yyyy-mm-dd. */
  birthDate: string;
  sex: Sex;
  /** INSEE code of the birth place (5 characters, 99xxx abroad); null when unknown. */
  birthPlace: string | null;
}

/** What the form sends: strict traits, names in use, status, contacts. */
export interface PatientInput {
  birthName: string;
  firstNames: string;
  birthDate: string;
  sex: Sex;
  birthPlace: string | null;
  usedName: string | null;
  usedFirstName: string | null;
  /** NIR/NIA, 15 digits (2A/2B for Corsica) with its key. */
  insMatricule: string | null;
  status: IdentityStatus;
  identityDocument: IdentityDocument | null;
  email: string | null;
  /** E.164 once validated. */
  mobile: string | null;
}

export interface PatientIdentity extends PatientInput {
  id: string;
  establishmentId: string;
  /** Derived from firstNames: the first birth first name. */
  firstName: string;
  createdAt: string;
  createdBy: string;
}

/** Error codes of identity fields; French messages in IDENTITY_MESSAGES, client texts in i18n. */
export type IdentityErrorCode =
  | 'required'
  | 'tooLong'
  | 'badDate'
  | 'futureDate'
  | 'tooOld'
  | 'badSex'
  | 'badInsee'
  | 'badMatricule'
  | 'badMatriculeKey'
  | 'badEmail'
  | 'badMobile'
  | 'contactRequired'
  | 'badStatus'
  | 'documentRequired'
  | 'matriculeRequired';

export const IDENTITY_MESSAGES: Record<IdentityErrorCode, string> = {
  required: 'Ce champ est obligatoire.',
  tooLong: 'Ce champ est trop long.',
  badDate: 'Date invalide : utilisez le format jj/mm/aaaa.',
  futureDate: 'La date de naissance ne peut pas être dans le futur.',
  tooOld: 'La date de naissance est trop ancienne.',
  badSex: 'Choisissez le sexe : masculin, féminin ou indéterminé.',
  badInsee: 'Le code INSEE du lieu de naissance compte 5 caractères (ex. 75056, 2A004, 99100).',
  badMatricule: 'Le matricule INS compte 15 caractères : 13 chiffres (2A/2B pour la Corse) et une clé de 2 chiffres.',
  badMatriculeKey: 'La clé du matricule INS est incorrecte : vérifiez la saisie.',
  badEmail: 'Adresse e-mail invalide.',
  badMobile: 'Ce numéro n’est pas un numéro de téléphone mobile valide.',
  contactRequired: 'Indiquez au moins une adresse e-mail ou un numéro de mobile : l’invitation y sera envoyée.',
  badStatus: 'Statut d’identité inconnu.',
  documentRequired: 'Indiquez la pièce d’identité qui a servi à valider l’identité.',
  matriculeRequired: 'Une identité récupérée ou qualifiée porte un matricule INS.',
};

export type FieldErrors<F extends string = string> = Partial<Record<F, IdentityErrorCode>>;

export type IdentityValidation =
  | { ok: true; value: PatientInput }
  | { ok: false; errors: FieldErrors<keyof PatientInput | 'contact'> };

const MAX_NAME = 100;

/**
 * INS normalisation of a strict trait, applied as the user types: capitals, no accents, ligatures
 * spelled out, only letters, spaces, hyphens and apostrophes. Trailing space is kept (the user may
 * be about to type the next word); `finishStrictTrait` trims.
 */
export function normaliseStrictTrait(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’ʼ`´]/g, "'")
    .replace(/[œŒ]/g, 'OE')
    .replace(/[æÆ]/g, 'AE')
    .replace(/ß/g, 'SS')
    .toUpperCase()
    .replace(/[^A-Z '-]/g, '')
    .replace(/ {2,}/g, ' ')
    .replace(/^ +/, '');
}

export function finishStrictTrait(value: string): string {
  return normaliseStrictTrait(value).trim().replace(/^[-']+|[-']+$/g, '');
}

/** The first birth first name, kept apart under INS. */
export function firstOf(firstNames: string): string {
  return finishStrictTrait(firstNames).split(' ')[0] ?? '';
}

/**
 * INS matricule (NIR or NIA) check: 13 characters then a key, key = 97 − (number mod 97). Corsica's
 * departments 2A and 2B count as 19 and 18 in the number.
 */
export function checkInsMatricule(raw: string): 'ok' | 'badMatricule' | 'badMatriculeKey' {
  const value = raw.replace(/\s/g, '').toUpperCase();
  // sex (1, 2; 3, 4, 7, 8 for temporary numbers), year, month, department, commune, order, key.
  if (!/^[1-478]\d{4}(\d{2}|2A|2B)\d{8}$/.test(value)) {
    return 'badMatricule';
  }
  const body = value.slice(0, 13);
  const key = Number(value.slice(13));
  const numeric = body.replace('2A', '19').replace('2B', '18');
  // 13 digits stay below 2^53: plain numbers are exact here.
  const expected = 97 - (Number(numeric) % 97);
  return expected === key ? 'ok' : 'badMatriculeKey';
}

/** The key of a 13-character matricule body (for tests and demo data). */
export function insMatriculeKey(body: string): string {
  const numeric = body.toUpperCase().replace('2A', '19').replace('2B', '18');
  return String(97 - (Number(numeric) % 97)).padStart(2, '0');
}

export function isInseeCode(value: string): boolean {
  return /^(\d{2}|2A|2B)\d{3}$/.test(value.toUpperCase());
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[A-Za-z]{2,}$/.test(value);
}

/**
 * A mobile number, French by default, international with its +prefix; E.164 when valid. The
 * `mobile` metadata of libphonenumber-js accepts mobile numbers only, not landlines.
 */
export function normaliseMobile(value: string): string | null {
  const parsed = parsePhoneNumberFromString(value.trim(), 'FR');
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** Today in Europe/Paris as yyyy-mm-dd. */
export function parisToday(now: number): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return parts;
}

export function checkBirthDate(value: string, now: number): IdentityErrorCode | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'badDate';
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return 'badDate';
  if (value > parisToday(now)) return 'futureDate';
  if (value < '1890-01-01') return 'tooOld';
  return null;
}

const optionalString = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** Validates and normalises what the identity form sends. */
export function validatePatientInput(body: unknown, now: number): IdentityValidation {
  const errors: FieldErrors<keyof PatientInput | 'contact'> = {};
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const strict = (field: 'birthName' | 'firstNames'): string => {
    const raw = b[field];
    const value = typeof raw === 'string' ? finishStrictTrait(raw) : '';
    if (value === '') errors[field] = 'required';
    else if (value.length > MAX_NAME) errors[field] = 'tooLong';
    return value;
  };
  const birthName = strict('birthName');
  const firstNames = strict('firstNames');
  const birthDate = typeof b.birthDate === 'string' ? b.birthDate : '';
  if (birthDate === '') errors.birthDate = 'required';
  else {
    const problem = checkBirthDate(birthDate, now);
    if (problem) errors.birthDate = problem;
  }
  const sex = b.sex;
  if (sex !== 'M' && sex !== 'F' && sex !== 'I') errors.sex = sex === undefined || sex === '' ? 'required' : 'badSex';
  const birthPlace = optionalString(b.birthPlace)?.toUpperCase() ?? null;
  if (birthPlace !== null && !isInseeCode(birthPlace)) errors.birthPlace = 'badInsee';
  const inUse = (field: 'usedName' | 'usedFirstName'): string | null => {
    const raw = optionalString(b[field]);
    const value = raw === null ? null : finishStrictTrait(raw) || null;
    if (value !== null && value.length > MAX_NAME) errors[field] = 'tooLong';
    return value;
  };
  const usedName = inUse('usedName');
  const usedFirstName = inUse('usedFirstName');
  const insMatricule = optionalString(b.insMatricule)?.replace(/\s/g, '').toUpperCase() ?? null;
  if (insMatricule !== null) {
    const check = checkInsMatricule(insMatricule);
    if (check !== 'ok') errors.insMatricule = check;
  }
  const status = (b.status ?? 'PROV') as IdentityStatus;
  if (!IDENTITY_STATUSES.includes(status)) errors.status = 'badStatus';
  const identityDocument = optionalString(b.identityDocument) as IdentityDocument | null;
  if (identityDocument !== null && !IDENTITY_DOCUMENTS.includes(identityDocument)) errors.identityDocument = 'documentRequired';
  if ((status === 'VALI' || status === 'QUAL') && identityDocument === null) errors.identityDocument = 'documentRequired';
  if ((status === 'RECUP' || status === 'QUAL') && insMatricule === null && !errors.insMatricule) {
    errors.insMatricule = 'matriculeRequired';
  }
  const email = optionalString(b.email);
  if (email !== null && !isEmail(email)) errors.email = 'badEmail';
  const rawMobile = optionalString(b.mobile);
  const mobile = rawMobile === null ? null : normaliseMobile(rawMobile);
  if (rawMobile !== null && mobile === null) errors.mobile = 'badMobile';
  if (email === null && rawMobile === null) errors.contact = 'contactRequired';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      birthName,
      firstNames,
      birthDate,
      sex: sex as Sex,
      birthPlace,
      usedName,
      usedFirstName,
      insMatricule,
      status,
      identityDocument: status === 'VALI' || status === 'QUAL' ? identityDocument : null,
      email,
      mobile,
    },
  };
}

export function strictTraitsOf(p: Pick<PatientInput, 'birthName' | 'firstNames' | 'birthDate' | 'sex' | 'birthPlace'>): StrictTraits {
  return {
    birthName: p.birthName,
    firstNames: p.firstNames,
    firstName: firstOf(p.firstNames),
    birthDate: p.birthDate,
    sex: p.sex,
    birthPlace: p.birthPlace,
  };
}

/** Editing a strict trait drops the status back to PROV (INS): it must be checked again. */
export function statusAfterEdit(before: PatientInput, after: PatientInput): IdentityStatus {
  const a = strictTraitsOf(before);
  const b = strictTraitsOf(after);
  const changed = (Object.keys(a) as (keyof StrictTraits)[]).some((k) => a[k] !== b[k]);
  return changed ? 'PROV' : after.status;
}

/** The key under which likely duplicates meet: same birth name, first name and birth date. */
export function duplicateKey(p: Pick<PatientInput, 'birthName' | 'firstNames' | 'birthDate'>): string {
  return `${finishStrictTrait(p.birthName)}|${firstOf(p.firstNames)}|${p.birthDate}`;
}

/** What leaves the server: the INS number only for a QUAL identity. */
export function publicIdentity(p: PatientIdentity): PatientIdentity {
  return p.status === 'QUAL' ? p : { ...p, insMatricule: null };
}

/** «Prénom NOM» for lists and messages: the first name reads better in title case. */
export function displayName(p: Pick<PatientIdentity, 'firstNames' | 'birthName' | 'usedName' | 'usedFirstName'>): string {
  const first = p.usedFirstName ?? firstOf(p.firstNames);
  const titled = first.toLowerCase().replace(/(^|[-' ])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
  return `${titled} ${p.usedName ?? p.birthName}`.trim();
}
