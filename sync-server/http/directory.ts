/** The professionals' directory (SPEC §5): search by RPPS, name, profession, specialty, postcode, city. */
import { HttpError } from './reply.ts';
import { requireUser, type Handlers } from './context.ts';

export const directoryHandlers: Handlers<'directory'> = {
  async directory(req, reply, ctx) {
    // Any logged-in professional: the directory is public data (the RPPS extract is open).
    await requireUser(req, ctx);
    const q = (req.readQuery().q ?? '').trim().slice(0, 100);
    if (q.length < 2) throw new HttpError(400, 'invalid_query', 'Saisissez au moins 2 caractères.');
    reply.sendJson(200, { professionals: await ctx.store.directory.search(q) });
  },
};
