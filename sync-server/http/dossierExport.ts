/**
 * «Exporter» (SPEC §7.3): the whole télédossier as one ZIP for the establishment's own records,
 * before it is purged: the latest signed fiche PDF (a draft when never signed), every document,
 * and an index in JSON and as a readable PDF.
 *
 * Nothing heavy runs on the loop that serves the sockets (ARCHITECTURE "Heavy work"): the PDFs
 * are rendered in the worker pool, the blobs are read and decrypted in 64 KiB chunks, and the
 * ZIP is written as it is sent (documents/zip.ts), at the pace the client reads it. A client that
 * goes away stops the reading.
 *
 * A blob whose GCM tag fails (altered on disk) must not reach the archive. Every blob is checked
 * first, by decrypting it in chunks to nowhere: a failure is then a clear 500 before any byte is
 * sent, and nothing is audited. A blob altered between that check and its sending fails its
 * stream: the connection is closed before the archive's directory, so the download is broken,
 * never a ZIP that opens with a corrupt file inside.
 */
import { safeFileName } from '../../schema/fileName.ts';
import { BlobTamperedError } from '../documents/blobStore.ts';
import { uniqueName, worthDeflating, zipStream, type ZipEntry } from '../documents/zip.ts';
import type { Context, Handlers } from './context.ts';
import { contentDisposition, findDocument, recordedDocuments, requireParticipant } from './documents.ts';
import { fichePdfInput } from './fiche.ts';
import { HttpError } from './reply.ts';

export const EXPORT_DAMAGED_MESSAGE =
  'Un document du dossier est endommagé sur le serveur : l’export est annulé. Prévenez l’administrateur de Relais.';

export const dossierExportHandlers: Handlers<'dossierExport'> = {
  async dossierExport(req, reply, ctx) {
    const { user, consultation } = await requireParticipant(req, ctx, req.params.consultationId);
    const documents = await recordedDocuments(ctx, consultation.id);
    const dossier = await ctx.documents.dossiers.read(consultation.id);
    const signatures = dossier.signatures.toArray();
    const fiche = dossier.ficheText();
    const state = dossier.signatureState();
    dossier.doc.destroy();

    const taken = new Set<string>();
    const entries: ZipEntry[] = [];
    const blobs: string[] = [];
    const blob = (sha256: string, size: number) => {
      blobs.push(sha256);
      return { size, open: () => ctx.documents.blobs.openStream(sha256) };
    };
    const last = signatures[signatures.length - 1];
    const signedFiche = last?.documentId ? await tryFind(() => findDocument(ctx, consultation.id, last.documentId!)) : undefined;
    if (signedFiche) {
      entries.push({ name: uniqueName(taken, 'fiche-signee.pdf'), compress: false, ...blob(signedFiche.sha256, signedFiche.size) });
    }
    if (!signedFiche || state !== 'signed') {
      const draft = await ctx.documents.pdf.fiche({ ...(await fichePdfInput(ctx, consultation, fiche)), signature: null });
      entries.push({ name: uniqueName(taken, 'fiche-brouillon.pdf'), compress: false, data: draft });
    }
    const files: { name: string; document: (typeof documents)[number] }[] = [];
    for (const document of documents) {
      const name = uniqueName(taken, `documents/${safeFileName(document.name)}`);
      entries.push({ name, modified: new Date(document.addedAt), compress: worthDeflating(document.mimeType), ...blob(document.sha256, document.size) });
      files.push({ name, document });
    }
    const exportedAt = new Date().toISOString();
    const establishment = await ctx.store.establishments.get(consultation.establishmentId);
    const index = {
      consultationId: consultation.id,
      establishment: establishment?.name ?? null,
      consultationStart: consultation.start,
      exportedAt,
      exportedBy: user.displayName,
      ficheState: state,
      signatures,
      documents: files.map((f) => ({ file: f.name, ...f.document })),
    };
    entries.push({ name: uniqueName(taken, 'index.json'), compress: true, data: Buffer.from(JSON.stringify(index, null, 2)) });
    entries.push({ name: uniqueName(taken, 'index.pdf'), compress: false, data: await ctx.documents.pdf.exportIndex({ index, files }) });

    await verifyBlobs(ctx, blobs, () => reply.aborted);
    if (reply.aborted) return;
    await ctx.documents.audit({ action: 'dossier.export', actor: user.id, consultationId: consultation.id });
    const archive = zipStream(entries);
    reply.onAbort(() => archive.abort());
    await reply.sendChunked(
      200,
      [
        ['Content-Type', 'application/zip'],
        ['Content-Disposition', contentDisposition(`teledossier-${consultation.start.slice(0, 10)}.zip`, false)],
        ['Cache-Control', 'no-store'],
      ],
      archive.output,
    );
  },
};

/** Decrypts each blob to nowhere, chunk by chunk: its GCM tag is checked at its end. */
async function verifyBlobs(ctx: Context, blobs: string[], aborted: () => boolean): Promise<void> {
  for (const sha256 of new Set(blobs)) {
    if (aborted()) return;
    try {
      const stream = await ctx.documents.blobs.openStream(sha256);
      for await (const chunk of stream) void chunk;
    } catch (error) {
      if (error instanceof BlobTamperedError) throw new HttpError(500, 'document_damaged', EXPORT_DAMAGED_MESSAGE);
      throw error;
    }
  }
}

async function tryFind<T>(find: () => Promise<T>): Promise<T | undefined> {
  try {
    return await find();
  } catch {
    return undefined;
  }
}
