/**
 * «Ajouter un document» and the documents of a télédossier (SPEC §7.1.3, §9): upload (streamed,
 * size-capped, type from the bytes), download, «Appliquer la signature», image → PDF. Only the
 * participants of the consultation reach any of it.
 */
import { randomBytes } from 'node:crypto';
import { dossierDocName, type DocumentEntry, type DocumentKind, type Teledossier } from '../../schema/dossier.ts';
import { safeFileName } from '../../schema/fileName.ts';
import type { Consultation } from '../store/consultations.ts';
import type { User } from '../store/users.ts';
import { EXTENSIONS, type AcceptedType } from '../documents/fileType.ts';
import { HttpError, type Request } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';
import { checkDeclaredLength, receiveUpload } from './upload.ts';


export const newDocumentId = (): string => randomBytes(12).toString('base64url');

/** The caller and the consultation, when the caller takes part in it; otherwise a 404. */
export async function requireParticipant(req: Request, ctx: Context, consultationId: string): Promise<{ user: User; consultation: Consultation }> {
  const user = await requireUser(req, ctx);
  const consultation = await ctx.store.consultations.get(consultationId);
  // Same answer for "absent" and "not yours": existence is not disclosed.
  if (!consultation || !ctx.access.canSeeConsultation(user, consultation)) {
    throw new HttpError(404, 'not_found', 'Cette téléconsultation est introuvable.');
  }
  if (!(await ctx.store.docs.exists(dossierDocName(consultation.id)))) {
    throw new HttpError(410, 'dossier_purged', 'Ce télédossier a été supprimé : sa durée de conservation est échue.');
  }
  return { user, consultation };
}

/** An uploaded file's name, safe to show and to put in a header, its extension matching the real type. */
export function cleanFileName(raw: string | null, mimeType: AcceptedType): string {
  const base = safeFileName(raw, '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  // safeFileName caps the length keeping the extension, which is then the real type's.
  return safeFileName(`${base || 'document'}${EXTENSIONS[mimeType]}`);
}

/** The name is cleaned here too: a name read from a shared document may not have been cleaned when stored. */
export function contentDisposition(raw: string, inline: boolean): string {
  const name = safeFileName(raw);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * A document of the dossier as the server recorded it (documents/documentRecords.ts): its blob,
 * type and name come from the server's own record, never from the shared document. 404 otherwise.
 */
export async function findDocument(ctx: Context, consultationId: string, documentId: string): Promise<DocumentEntry> {
  const entry =
    (await ctx.documents.records.get(consultationId, documentId)) ??
    (await legacyEntry(ctx, consultationId, await withDossier(ctx, consultationId, (d) => d.document(documentId))));
  if (!entry) throw new HttpError(404, 'document_not_found', 'Ce document est introuvable.');
  return entry;
}

/** The dossier's documents as the server recorded them, in the order the dossier lists them. */
export async function recordedDocuments(ctx: Context, consultationId: string): Promise<DocumentEntry[]> {
  const recorded = new Map((await ctx.documents.records.list(consultationId)).map((d) => [d.id, d]));
  const out: DocumentEntry[] = [];
  // One read of the shared list: its order, and the entries of documents from before the records.
  const listed = await withDossier(ctx, consultationId, (dossier) => dossier.documentList());
  for (const shown of listed) {
    const entry = recorded.get(shown.id) ?? (await legacyEntry(ctx, consultationId, shown));
    recorded.delete(shown.id);
    if (entry) out.push(entry);
  }
  // A record missing from the shared list is still the dossier's (nothing may erase the record).
  return out.concat([...recorded.values()]);
}

async function withDossier<T>(ctx: Context, consultationId: string, use: (dossier: Teledossier) => T): Promise<T> {
  const dossier = await ctx.documents.dossiers.read(consultationId);
  try {
    return use(dossier);
  } finally {
    dossier.doc.destroy();
  }
}

/**
 * An entry added before the server kept its own records: trusted only as far as the server can
 * check it, that is the blob tied to this dossier by its reference and a type the upload accepts.
 */
async function legacyEntry(ctx: Context, consultationId: string, entry: DocumentEntry | undefined): Promise<DocumentEntry | undefined> {
  if (!entry || typeof entry.sha256 !== 'string' || !(await ctx.documents.refs.holds(entry.sha256, `dossier:${consultationId}`))) return undefined;
  if (!(entry.mimeType in EXTENSIONS)) return undefined;
  return { ...entry, name: cleanFileName(entry.name, entry.mimeType as AcceptedType) };
}

/** Records a new document of the dossier (the server's record first), then shows it in the Y.Doc. */
export async function addDocument(ctx: Context, consultationId: string, entry: DocumentEntry): Promise<void> {
  await ctx.documents.records.put(consultationId, entry);
  await ctx.documents.dossiers.edit(consultationId, (d) => d.addDocument(entry));
}

/** Stores bytes made by the server (signed fiche, stamped PDF) as a new document of the dossier. */
export async function addGeneratedDocument(
  ctx: Context,
  consultationId: string,
  user: User,
  bytes: Uint8Array,
  fields: { name: string; kind: DocumentKind; derivedFrom?: string | null; signed?: boolean; mimeType?: string },
): Promise<DocumentEntry> {
  const stored = await ctx.documents.blobs.put(bytes);
  await ctx.documents.refs.add(stored.sha256, `dossier:${consultationId}`);
  const entry: DocumentEntry = {
    id: newDocumentId(),
    name: safeFileName(fields.name),
    mimeType: fields.mimeType ?? 'application/pdf',
    size: stored.size,
    sha256: stored.sha256,
    addedBy: user.id,
    addedByName: user.displayName,
    addedAt: new Date().toISOString(),
    kind: fields.kind,
    derivedFrom: fields.derivedFrom ?? null,
    signed: fields.signed ?? false,
    sentTo: [],
  };
  await addDocument(ctx, consultationId, entry);
  return entry;
}

const withoutExtension = (name: string): string => name.replace(/\.[A-Za-z0-9]{1,5}$/, '');

export const documentHandlers: Handlers<'annotateLicence' | 'documentUpload' | 'document' | 'documentStamp' | 'documentToPdf'> = {
  async annotateLicence(req, reply, ctx) {
    await requireUser(req, ctx);
    // The tldraw licence key is meant for the browser (it is in every page that mounts tldraw).
    reply.sendJson(200, { licenseKey: ctx.config.tldrawLicenseKey });
  },
  async documentUpload(req, reply, ctx) {
    // Before any await: uWS hands the body only to a reader attached now.
    const body = req.readBody();
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const max = ctx.documents.maxUploadBytes;
    checkDeclaredLength(req, max);
    const query = req.readQuery();
    const file = await receiveUpload(body, ctx.documents.blobs, max, ['application/pdf', 'image/png', 'image/jpeg']);
    await ctx.documents.refs.add(file.sha256, `dossier:${consultation.id}`);
    const entry: DocumentEntry = {
      id: newDocumentId(),
      name: cleanFileName(query.name ?? null, file.mimeType),
      mimeType: file.mimeType,
      size: file.size,
      sha256: file.sha256,
      addedBy: user.id,
      addedByName: user.displayName,
      addedAt: new Date().toISOString(),
      kind: 'upload',
      derivedFrom: null,
      signed: false,
      sentTo: [],
    };
    await addDocument(ctx, consultation.id, entry);
    await ctx.documents.audit({ action: 'document.upload', actor: user.id, consultationId: consultation.id, documentId: entry.id });
    reply.sendJson(201, { document: entry });
  },
  async document(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const entry = await findDocument(ctx, consultation.id, req.params.documentId);
    const stream = await ctx.documents.blobs.openStream(entry.sha256);
    await ctx.documents.audit({ action: 'document.download', actor: user.id, consultationId: consultation.id, documentId: entry.id });
    await reply.sendStream(
      200,
      [
        ['Content-Type', entry.mimeType],
        ['Content-Disposition', contentDisposition(entry.name, req.readQuery().inline === '1')],
        ['Cache-Control', 'no-store'],
      ],
      stream,
      entry.size,
    );
  },
  async documentStamp(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const entry = await findDocument(ctx, consultation.id, req.params.documentId);
    if (entry.mimeType !== 'application/pdf') {
      throw new HttpError(409, 'not_pdf', 'La signature ne s’applique qu’aux documents PDF. Convertissez d’abord l’image en PDF.');
    }
    const signature = await ctx.documents.signatures.get(user.id);
    if (!signature) {
      throw new HttpError(409, 'no_signature', 'Chargez d’abord votre signature (Paramètres › « Charger une signature »).');
    }
    const [pdf, image] = await Promise.all([ctx.documents.blobs.read(entry.sha256), ctx.documents.blobs.read(signature.sha256)]);
    let stamped: Uint8Array;
    try {
      stamped = await ctx.documents.pdf.stamp({
        pdf,
        image: { bytes: image, mimeType: signature.mimeType },
        signerName: user.displayName,
        signedAt: new Date().toISOString(),
      });
    } catch (error) {
      if (error instanceof HttpError) throw error; // the pool is full, or the PDF too heavy for a worker
      throw new HttpError(422, 'pdf_unreadable', 'Ce PDF ne peut pas être signé (protégé ou endommagé).');
    }
    const document = await addGeneratedDocument(ctx, consultation.id, user, stamped, {
      name: `${withoutExtension(entry.name)} (signé).pdf`,
      kind: 'stamped',
      derivedFrom: entry.id,
      signed: true,
    });
    await ctx.documents.audit({ action: 'document.stamp', actor: user.id, consultationId: consultation.id, documentId: document.id });
    reply.sendJson(201, { document });
  },
  async documentToPdf(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const entry = await findDocument(ctx, consultation.id, req.params.documentId);
    if (entry.mimeType !== 'image/png' && entry.mimeType !== 'image/jpeg') {
      throw new HttpError(409, 'not_image', 'Seule une image peut être convertie en PDF.');
    }
    const bytes = await ctx.documents.blobs.read(entry.sha256);
    let pdf: Uint8Array;
    try {
      pdf = await ctx.documents.pdf.imageToPdf({ bytes, mimeType: entry.mimeType }, withoutExtension(entry.name));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(422, 'image_unreadable', 'Cette image est endommagée et ne peut pas être convertie.');
    }
    const document = await addGeneratedDocument(ctx, consultation.id, user, pdf, {
      name: `${withoutExtension(entry.name)}.pdf`,
      kind: 'converted',
      derivedFrom: entry.id,
    });
    await ctx.documents.audit({ action: 'document.convert', actor: user.id, consultationId: consultation.id, documentId: document.id });
    reply.sendJson(201, { document });
  },
};
