/**
 * The logged-in professional's own security settings: authenticator app (TOTP) enrolment with a
 * QR code, password change (SPEC §1.1.3, settings).
 */
import QRCode from 'qrcode';
import { generateSecret, generateURI, verifySync } from 'otplib';
import { validatePasswordChange, type AccountSecurity, type TotpEnrolment } from '../../schema/auth.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { auditAccountChange, setPassword } from '../accounts/accounts.ts';
import { HttpError } from './reply.ts';
import { requireUser, sessionToken, type Handlers } from './context.ts';
import { callerAddress } from './remoteAddress.ts';

export const accountHandlers: Handlers<'accountSecurity' | 'totpStart' | 'totpConfirm' | 'totpRemove' | 'passwordChange'> = {
  async accountSecurity(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const body: AccountSecurity = { totpEnrolled: (await ctx.store.authState.get(user.id)).totpSecret !== null, hasMobile: !!user.mobile, hasEmail: !!user.email };
    reply.sendJson(200, body);
  },
  async totpStart(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const secret = generateSecret();
    const state = await ctx.store.authState.get(user.id);
    await ctx.store.authState.put(user.id, { ...state, totpPending: secret });
    const uri = generateURI({ issuer: 'Relais', label: user.identifier, secret });
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1 });
    const body: TotpEnrolment = { uri, qrSvg, secret };
    reply.sendJson(200, body);
  },
  async totpConfirm(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const body = await req.readBody();
    const code = body.code?.replace(/\s/g, '') ?? '';
    if (!/^[0-9]{6}$/.test(code)) throw new HttpError(400, 'invalid_request', 'Le code comporte 6 chiffres.');
    const state = await ctx.store.authState.get(user.id);
    if (!state.totpPending) throw new HttpError(409, 'no_enrolment', 'Commencez par afficher le QR code.');
    const result = verifySync({ secret: state.totpPending, token: code, epochTolerance: 30 });
    if (!result.valid) throw new HttpError(400, 'invalid_code', 'Code incorrect : vérifiez l’heure de votre téléphone et saisissez le code affiché.');
    await ctx.store.authState.put(user.id, { ...state, totpSecret: state.totpPending, totpPending: null, totpLastStep: (result as { timeStep: number }).timeStep });
    await auditAccountChange(ctx, { actorId: user.id, account: user, address: callerAddress(req, ctx), detail: 'application enrôlée' });
    reply.sendJson(200, { totpEnrolled: true });
  },
  async totpRemove(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const state = await ctx.store.authState.get(user.id);
    await ctx.store.authState.put(user.id, { ...state, totpSecret: null, totpPending: null });
    await auditAccountChange(ctx, { actorId: user.id, account: user, address: callerAddress(req, ctx), detail: 'application retirée' });
    reply.send(204, null);
  },
  async passwordChange(req, reply, ctx) {
    const user = await requireUser(req, ctx);
    const parsed = validatePasswordChange(await req.readBody());
    if (!parsed.ok) return reply.error(400, 'invalid_request', parsed.message);
    if (!(await verifyPassword(user.passwordHash, parsed.value.current))) {
      throw new HttpError(400, 'wrong_password', 'Le mot de passe actuel est incorrect.');
    }
    await setPassword(ctx.store, user, parsed.value.next);
    // Whoever knew the old password may hold a session elsewhere: those end, this one stays.
    const ended = await ctx.sessions.destroyOthers(user.id, sessionToken(req)!);
    for (const key of ended) ctx.accessChanged.sessionEnded(key);
    await auditAccountChange(ctx, { actorId: user.id, account: user, address: callerAddress(req, ctx), detail: `mot de passe changé (${ended.length} autre(s) session(s) fermée(s))` });
    reply.sendJson(200, { changed: true });
  },
};
