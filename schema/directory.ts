/**
 * The professionals' directory (SPEC §5, §7.1.4): who may accompany a patient or receive a
 * document by secure messaging. Imported from the public RPPS extract («Extraction RPPS
 * PS_LibreAcces_Personne_activite», pipe-separated, one row per activity), optionally with the
 * MSSanté address column of the MSSanté extract joined on. Pure code: no I/O.
 */

export interface DirectoryEntry {
  /** 11-digit RPPS number. */
  rpps: string;
  lastName: string;
  firstName: string;
  profession: string;
  specialty: string | null;
  postcode: string | null;
  city: string | null;
  /** Ordinary email of the practice, when published. */
  email: string | null;
  phone: string | null;
  /** MSSanté (secure health messaging) address, when the professional has one. */
  secureEmail: string | null;
}

/** Columns read from the extract, by their header names there. Others are ignored. */
export const RPPS_COLUMNS = {
  rpps: 'Identifiant PP',
  lastName: "Nom d'exercice",
  firstName: "Prénom d'exercice",
  profession: 'Libellé profession',
  specialty: 'Libellé savoir-faire',
  postcode: 'Code postal (coord. structure)',
  city: 'Libellé commune (coord. structure)',
  email: 'Adresse e-mail (coord. structure)',
  phone: 'Téléphone (coord. structure)',
  /** From the MSSanté extract («Extraction_Correspondance_MSSante»), joined on the RPPS number. */
  secureEmail: 'Adresse BAL',
} as const;

/** The full header of the RPPS «Personne activité» extract, in order (what the demo file uses). */
export const RPPS_EXTRACT_HEADER = [
  "Type d'identifiant PP",
  'Identifiant PP',
  'Identification nationale PP',
  "Code civilité d'exercice",
  "Libellé civilité d'exercice",
  'Code civilité',
  'Libellé civilité',
  "Nom d'exercice",
  "Prénom d'exercice",
  'Code profession',
  'Libellé profession',
  'Code catégorie professionnelle',
  'Libellé catégorie professionnelle',
  'Code type savoir-faire',
  'Libellé type savoir-faire',
  'Code savoir-faire',
  'Libellé savoir-faire',
  'Code mode exercice',
  'Libellé mode exercice',
  'Numéro SIRET site',
  'Numéro SIREN site',
  'Numéro FINESS site',
  'Numéro FINESS établissement juridique',
  'Identifiant technique de la structure',
  'Raison sociale site',
  'Enseigne commerciale site',
  'Complément destinataire (coord. structure)',
  'Complément point géographique (coord. structure)',
  'Numéro Voie (coord. structure)',
  'Indice répétition voie (coord. structure)',
  'Code type de voie (coord. structure)',
  'Libellé type de voie (coord. structure)',
  'Libellé Voie (coord. structure)',
  'Mention distribution (coord. structure)',
  'Bureau cedex (coord. structure)',
  'Code postal (coord. structure)',
  'Code commune (coord. structure)',
  'Libellé commune (coord. structure)',
  'Code pays (coord. structure)',
  'Libellé pays (coord. structure)',
  'Téléphone (coord. structure)',
  'Téléphone 2 (coord. structure)',
  'Télécopie (coord. structure)',
  'Adresse e-mail (coord. structure)',
  'Code Département (structure)',
  'Libellé Département (structure)',
  'Ancien identifiant de la structure',
  "Autorité d'enregistrement",
  "Code secteur d'activité",
  "Libellé secteur d'activité",
  'Code section tableau pharmaciens',
  'Libellé section tableau pharmaciens',
  'Adresse BAL',
] as const;

export type ColumnIndex = Partial<Record<keyof typeof RPPS_COLUMNS, number>>;

/** Splits one line of the extract: the separator is '|' (RPPS) or ';' (spreadsheet exports). */
export function splitExtractLine(line: string, separator: string): string[] {
  return line.replace(/\r$/, '').split(separator).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

export function indexColumns(header: string[]): ColumnIndex | null {
  const index: ColumnIndex = {};
  for (const [key, name] of Object.entries(RPPS_COLUMNS) as [keyof typeof RPPS_COLUMNS, string][]) {
    const at = header.indexOf(name);
    if (at >= 0) index[key] = at;
  }
  return index.rpps === undefined || index.lastName === undefined || index.profession === undefined ? null : index;
}

/** One row as an entry; null for a row without an 11-digit RPPS number or a name. */
export function entryFromRow(cells: string[], index: ColumnIndex): DirectoryEntry | null {
  const at = (key: keyof typeof RPPS_COLUMNS): string | null => {
    const i = index[key];
    const value = i === undefined ? '' : (cells[i] ?? '');
    return value === '' ? null : value;
  };
  const rpps = at('rpps');
  const lastName = at('lastName');
  const profession = at('profession');
  if (!rpps || !/^\d{11}$/.test(rpps) || !lastName || !profession) return null;
  return {
    rpps,
    lastName,
    firstName: at('firstName') ?? '',
    profession,
    specialty: at('specialty'),
    postcode: at('postcode'),
    city: at('city'),
    email: at('email'),
    phone: at('phone'),
    secureEmail: at('secureEmail'),
  };
}

/** Lower case without accents: how search terms and entries are compared. */
export function searchForm(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();
}

/** Every word of the query appears in one of the entry's searchable fields. */
export function matchesDirectoryQuery(entry: DirectoryEntry, query: string): boolean {
  const haystack = searchForm(
    [entry.rpps, entry.lastName, entry.firstName, entry.profession, entry.specialty, entry.postcode, entry.city].join(' '),
  );
  const words = searchForm(query).split(/\s+/).filter(Boolean);
  return words.length > 0 && words.every((w) => haystack.includes(w));
}
