/**
 * The télédossier Y.Doc layout (SPEC §7.1.2, §8) and its typed accessors, shared by client and
 * servers. Pure code: no I/O.
 *
 * Layout of the document `dossier/<consultationId>`:
 *   meta        Y.Map   consultationId, createdAt, layoutVersion (set once, by the server)
 *   fiche       Y.Map   one Y.Text per fiche field (created by the server, never by a client)
 *   documents   Y.Array Y.Map of document metadata (bytes live in the blob store)      server only
 *   photos      Y.Array Y.Map of photo metadata (entries by the server, placement co-edited)
 *   annotations Y.Map   image document id → Y.Map of canvas records (tldraw records by id)
 *   signatures  Y.Array FicheSignature entries (frozen versions of the fiche)           server only
 * `meta` is server only too. DOSSIER_CLIENT_WRITES says what a participant may write; the sync
 * server refuses any other client update (sync-server/sync/writePolicy.ts).
 *
 * Why the server creates the fiche: two clients that each seed `fiche.set('motif', new Y.Text())`
 * on an empty document would both win in turn, and one of them would lose what was typed.
 */
import * as Y from 'yjs';
import { digest as sha256 } from 'lib0/hash/sha256';
import { safeFileName } from './fileName.ts';
import type { ClientWrites } from './clientWrites.ts';

export const DOSSIER_LAYOUT_VERSION = 1;

/** Fiche fields, in the order the form shows them. */
export const FICHE_FIELDS = [
  'motif',
  'antecedents',
  'traitements',
  'examenClinique',
  'conclusion',
  'conduiteATenir',
  'prescriptions',
] as const;

export type FicheField = (typeof FICHE_FIELDS)[number];

export function isFicheField(value: unknown): value is FicheField {
  return typeof value === 'string' && (FICHE_FIELDS as readonly string[]).includes(value);
}

/**
 * Professionals type inside the fiche's fields, draw inside an image's canvas and move photos;
 * everything else (meta, the fields themselves, documents, signatures) is the server's.
 */
export const DOSSIER_CLIENT_WRITES: ClientWrites = { fiche: 2, annotations: 2, photos: 2 };

export const dossierDocName = (consultationId: string): string => `dossier/${consultationId}`;

export interface DossierMeta {
  consultationId: string;
  createdAt: string;
  layoutVersion: number;
}

export type DocumentKind = 'upload' | 'fiche' | 'stamped' | 'converted' | 'annotated';

export interface DocumentEntry {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
  addedBy: string;
  addedAt: string;
  /** Display name of who added it, so that every copy can show it without a directory lookup. */
  addedByName?: string;
  kind?: DocumentKind;
  /** The document this one was made from (stamped or converted). */
  derivedFrom?: string | null;
  /** True when it carries a signature (signed fiche, stamped PDF). */
  signed?: boolean;
  /** One line per secure send, without the address ('vault', 'mssante'). */
  sentTo?: string[];
}

/** Where the fiche stands against its last signature (SPEC §7.1.2). */
export type SignatureState = 'unsigned' | 'signed' | 'modifiedAfterSignature';

/**
 * The version hash of a fiche: sha-256 (hex) of its fields in order, each as name, NUL, text, NUL.
 * Pure code (lib0) so that client and server compute the same value.
 */
export function ficheVersionHash(fields: Record<FicheField, string>): string {
  const text = FICHE_FIELDS.map((name) => `${name}\u0000${fields[name]}\u0000`).join('');
  const bytes = sha256(new TextEncoder().encode(text));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface FicheSignature {
  /** sha-256 of the fiche's text content at signature time. */
  versionHash: string;
  signedBy: string;
  signerName: string;
  rpps: string | null;
  signedAt: string;
  documentId: string | null;
}

/** Typed view of one télédossier document. */
export class Teledossier {
  constructor(readonly doc: Y.Doc) {}

  get metaMap(): Y.Map<unknown> {
    return this.doc.getMap('meta');
  }

  get fiche(): Y.Map<Y.Text> {
    return this.doc.getMap<Y.Text>('fiche');
  }

  get documents(): Y.Array<Y.Map<unknown>> {
    return this.doc.getArray<Y.Map<unknown>>('documents');
  }

  get photos(): Y.Array<Y.Map<unknown>> {
    return this.doc.getArray<Y.Map<unknown>>('photos');
  }

  get annotations(): Y.Map<Y.Map<unknown>> {
    return this.doc.getMap<Y.Map<unknown>>('annotations');
  }

  get signatures(): Y.Array<FicheSignature> {
    return this.doc.getArray<FicheSignature>('signatures');
  }

  /** True once the server-created structure has reached this copy. */
  get isInitialised(): boolean {
    return this.metaMap.get('layoutVersion') !== undefined;
  }

  meta(): DossierMeta | null {
    const m = this.metaMap;
    const consultationId = m.get('consultationId');
    const createdAt = m.get('createdAt');
    const layoutVersion = m.get('layoutVersion');
    if (typeof consultationId !== 'string' || typeof createdAt !== 'string' || typeof layoutVersion !== 'number') {
      return null;
    }
    return { consultationId, createdAt, layoutVersion };
  }

  /** The Y.Text of a fiche field, or undefined until the server's structure has synced. */
  field(name: FicheField): Y.Text | undefined {
    const value = this.fiche.get(name);
    return value instanceof Y.Text ? value : undefined;
  }

  /** Plain text of every fiche field (missing fields read as ''). */
  ficheText(): Record<FicheField, string> {
    const out = {} as Record<FicheField, string>;
    for (const name of FICHE_FIELDS) out[name] = this.field(name)?.toString() ?? '';
    return out;
  }

  /** Names cleaned as they are read: every screen, download and export shows a clean one (#11). */
  documentList(): DocumentEntry[] {
    return this.documents.toArray().map((m) => {
      const entry = m.toJSON() as DocumentEntry;
      return { ...entry, name: safeFileName(entry.name) };
    });
  }

  document(id: string): DocumentEntry | undefined {
    return this.documentList().find((d) => d.id === id);
  }

  /**
   * Server only. An image gets its annotation canvas (a Y.Map of canvas records) at once, for the
   * same reason the server creates the fiche's fields: two clients creating it would lose strokes.
   */
  addDocument(entry: DocumentEntry): void {
    const map = new Y.Map<unknown>();
    for (const [k, v] of Object.entries(entry)) if (v !== undefined) map.set(k, v);
    this.documents.push([map]);
    if (entry.mimeType.startsWith('image/') && !this.annotations.has(entry.id)) this.annotations.set(entry.id, new Y.Map());
  }

  /** The canvas records drawn over an image document, once the server's map has synced. */
  annotationsOf(documentId: string): Y.Map<unknown> | undefined {
    const value = this.annotations.get(documentId);
    return value instanceof Y.Map ? value : undefined;
  }

  /** Records a secure send on a document's metadata (the channel, never the address). */
  markSent(id: string, line: string): void {
    const map = this.documents.toArray().find((m) => m.get('id') === id);
    if (!map) return;
    const previous = map.get('sentTo');
    map.set('sentTo', [...(Array.isArray(previous) ? (previous as string[]) : []), line]);
  }

  addSignature(signature: FicheSignature): void {
    this.signatures.push([signature]);
  }

  lastSignature(): FicheSignature | undefined {
    const all = this.signatures.toArray();
    return all[all.length - 1];
  }

  signatureState(): SignatureState {
    const last = this.lastSignature();
    if (!last) return 'unsigned';
    return last.versionHash === ficheVersionHash(this.ficheText()) ? 'signed' : 'modifiedAfterSignature';
  }

  /**
   * Creates the structure of a new télédossier. Server only, once, when the dossier is created.
   * Idempotent: fields already there are kept.
   */
  initialise(meta: NewDossier): void {
    this.doc.transact(() => {
      const m = this.metaMap;
      if (m.get('consultationId') === undefined) m.set('consultationId', meta.consultationId);
      if (m.get('createdAt') === undefined) m.set('createdAt', meta.createdAt);
      m.set('layoutVersion', DOSSIER_LAYOUT_VERSION);
      for (const name of FICHE_FIELDS) {
        if (this.fiche.get(name) instanceof Y.Text) continue;
        // The «Motif de la demande» of the wizard starts the fiche's «Motif»: clients only type
        // inside the texts the server created, so the server writes it in (SPEC §6, §9).
        this.fiche.set(name, new Y.Text(name === 'motif' ? (meta.motif ?? '') : ''));
      }
    }, 'server-init');
  }
}

/** The first state of a new dossier document, as one Yjs update. */
export interface NewDossier {
  consultationId: string;
  createdAt: string;
  /** The «Motif de la demande» typed in the wizard, the fiche's first «Motif». */
  motif?: string;
}

export function newDossierUpdate(meta: NewDossier): Uint8Array {
  const doc = new Y.Doc();
  new Teledossier(doc).initialise(meta);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
