/**
 * «Authentification forte» (SPEC §1.1.3): identifier + password, then a 6-digit code sent by SMS
 * or email (or read from an enrolled authenticator app), then the session.
 */
import { maskDestination, validateChallengeRequest, validateCodeRequest, type ChallengeResponse } from '../../schema/auth.ts';
import { authServices } from '../auth/services.ts';
import { CODE_MAX_TRIES } from '../auth/loginCodes.ts';
import { audit } from '../audit/audit.ts';
import { reserveSends } from '../messaging/caps.ts';
import { HttpError } from './reply.ts';
import type { Handlers } from './context.ts';
import { checkGuard, checkPassword, completeLogin, loginFailed } from './login.ts';
import { callerAddress } from './remoteAddress.ts';
import { toSessionUser } from './session.ts';

export const strongAuthHandlers: Handlers<'loginChallenge' | 'loginCode'> = {
  async loginChallenge(req, reply, ctx) {
    const parsed = validateChallengeRequest(await req.readBody());
    if (!parsed.ok) return reply.error(400, 'invalid_request', parsed.message);
    const { identifier, password, channel } = parsed.value;
    const user = await checkPassword(req, ctx, identifier, password);
    const { codes } = authServices(ctx.store);
    let destination: string | null = null;
    if (channel === 'sms') {
      if (!user.mobile) throw new HttpError(409, 'no_mobile', 'Aucun numéro de mobile n’est enregistré pour ce compte : choisissez «E-mail».');
      destination = user.mobile;
    } else if (channel === 'email') {
      if (!user.email) throw new HttpError(409, 'no_email', 'Aucune adresse e-mail n’est enregistrée pour ce compte : choisissez «SMS».');
      destination = user.email;
    } else if (!(await ctx.store.authState.get(user.id)).totpSecret) {
      throw new HttpError(409, 'no_totp', 'Aucune application d’authentification n’est enrôlée : choisissez «SMS» ou «E-mail».');
    }
    if (destination && channel !== 'totp') {
      await reserveSends(req, ctx, { accountId: user.id, establishmentIds: user.establishmentIds, sends: [{ channel, to: destination }], purpose: 'login-code' });
    }
    const { challengeId, code } = await codes.issue(user.id, channel);
    if (code && channel === 'sms') {
      await ctx.messaging.sendSms({ to: destination!, text: `Relais : votre code de connexion est ${code}. Il expire dans 5 minutes.`, purpose: 'login-code' });
    } else if (code && channel === 'email') {
      await ctx.messaging.sendEmail({
        to: destination!,
        subject: 'Votre code de connexion Relais',
        text: `Bonjour,\n\nVotre code de connexion à Relais est : ${code}\n\nIl expire dans 5 minutes et ne sert qu’une fois. Si vous n’avez pas demandé ce code, ignorez ce message.\n`,
        purpose: 'login-code',
      });
    }
    if (code) await audit(ctx, { type: 'login.code-sent', actorId: user.id, method: channel, address: callerAddress(req, ctx) });
    const body: ChallengeResponse = { challengeId, channel, destination: destination ? maskDestination(destination) : null };
    reply.sendJson(200, body);
  },
  async loginCode(req, reply, ctx) {
    const parsed = validateCodeRequest(await req.readBody());
    if (!parsed.ok) return reply.error(400, 'invalid_request', parsed.message);
    await checkGuard(req, ctx, undefined);
    const { codes } = authServices(ctx.store);
    const challenge = await ctx.store.loginChallenges.get(parsed.value.challengeId);
    const verdict = await codes.verify(parsed.value.challengeId, parsed.value.code);
    if (!verdict.ok) {
      const user = challenge ? await ctx.store.users.get(challenge.userId) : undefined;
      if (verdict.reason === 'expired') {
        await audit(ctx, { type: 'login.failure', actorId: user?.id ?? null, method: challenge?.channel, address: callerAddress(req, ctx), detail: 'code expiré' });
        throw new HttpError(401, 'code_expired', 'Ce code a expiré ou a déjà servi. Demandez un nouveau code.');
      }
      if (verdict.reason === 'too_many_tries') {
        await audit(ctx, { type: 'login.failure', actorId: user?.id ?? null, method: challenge?.channel, address: callerAddress(req, ctx), detail: 'trop d’essais' });
        throw new HttpError(401, 'code_locked', `Trop d’essais (${CODE_MAX_TRIES}) : ce code ne vaut plus. Demandez un nouveau code.`);
      }
      const left = CODE_MAX_TRIES - ((await ctx.store.loginChallenges.get(parsed.value.challengeId))?.tries ?? CODE_MAX_TRIES);
      try {
        await loginFailed(req, ctx, user, user?.identifier ?? '', challenge?.channel ?? 'code', 'code incorrect');
      } catch (error) {
        if (error instanceof HttpError && error.code === 'invalid_code') {
          throw new HttpError(401, 'invalid_code', `Code incorrect. Il vous reste ${left} essai${left > 1 ? 's' : ''}.`);
        }
        throw error;
      }
    }
    const user = verdict.ok ? await ctx.store.users.get(verdict.userId) : undefined;
    if (!verdict.ok || !user) throw new HttpError(401, 'code_expired', 'Ce code a expiré ou a déjà servi. Demandez un nouveau code.');
    await completeLogin(req, reply, ctx, user, verdict.channel);
    reply.sendJson(200, { user: toSessionUser(user) });
  },
};
