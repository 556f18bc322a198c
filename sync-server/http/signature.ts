/**
 * Settings gear › «Charger une signature» (SPEC §7.1.3): each professional's signature image, a
 * PNG or JPEG kept encrypted like any document, shown back for preview, replaced or deleted.
 */
import { HttpError } from './reply.ts';
import { requireUser, type Context, type Handlers } from './context.ts';
import { checkDeclaredLength, receiveUpload } from './upload.ts';

/** A signature is a small picture: a larger file is almost surely the wrong one. */
export const MAX_SIGNATURE_BYTES = 2 * 1024 * 1024;

export const signatureHandlers: Handlers<'signatureUpload' | 'signature' | 'signatureDelete'> = {
  async signatureUpload(req, reply, ctx) {
    const body = req.readBody();
    const user = await requireUser(req, ctx);
    checkDeclaredLength(req, MAX_SIGNATURE_BYTES);
    const file = await receiveUpload(
      body,
      ctx.documents.blobs,
      MAX_SIGNATURE_BYTES,
      ['image/png', 'image/jpeg'],
      'La signature doit être une image PNG ou JPEG.',
    );
    // Never true (only images are accepted above); it narrows the type for the record.
    if (file.mimeType === 'application/pdf') throw new HttpError(415, 'refused_type', 'La signature doit être une image PNG ou JPEG.');
    const previous = await ctx.documents.signatures.get(user.id);
    await ctx.documents.refs.add(file.sha256, `signature:${user.id}`);
    await ctx.documents.signatures.put({
      userId: user.id,
      sha256: file.sha256,
      mimeType: file.mimeType,
      size: file.size,
      uploadedAt: new Date().toISOString(),
    });
    if (previous && previous.sha256 !== file.sha256) await releaseBlob(ctx, previous.sha256, `signature:${user.id}`);
    reply.sendJson(200, { signature: { mimeType: file.mimeType, size: file.size } });
  },
  async signature(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const record = await ctx.documents.signatures.get(user.id);
    if (!record) throw new HttpError(404, 'no_signature', 'Aucune signature chargée.');
    const bytes = await ctx.documents.blobs.read(record.sha256);
    reply.send(200, bytes, [
      ['Content-Type', record.mimeType],
      ['Cache-Control', 'no-store'],
    ]);
  },
  async signatureDelete(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const record = await ctx.documents.signatures.get(user.id);
    if (record) {
      await ctx.documents.signatures.remove(user.id);
      await releaseBlob(ctx, record.sha256, `signature:${user.id}`);
    }
    reply.send(204, null);
  },
};

async function releaseBlob(ctx: Context, sha256: string, owner: string): Promise<void> {
  await ctx.documents.refs.remove(sha256, owner);
  if (!(await ctx.documents.refs.isReferenced(sha256))) await ctx.documents.blobs.delete(sha256);
}
