/**
 * Caps on costly messages (#11): every SMS costs the establishment money and every message reaches
 * a person. Before a request sends login codes or invitations, its sends are counted per account
 * (who triggers them), per recipient (the normalised number or address) and per establishment,
 * over sliding windows (RELAIS_SENDS_PER_*); past a cap the request is refused with a 429 and a
 * French message, before anything is stored or sent, and the refusal is audited, the recipient
 * named by a hash only.
 */
import { createHash } from 'node:crypto';
import { normaliseMobile } from '../../schema/identity.ts';
import { audit } from '../audit/audit.ts';
import type { Context } from '../http/context.ts';
import { HttpError, type Request } from '../http/reply.ts';
import { callerAddress } from '../http/remoteAddress.ts';
import type { CapCount, CapScope } from '../store/messageCaps.ts';

export interface CostlySend {
  channel: 'sms' | 'email';
  to: string;
}

export interface SendRequest {
  /** The account the sends are counted against: the one logging in, or the one inviting. */
  accountId: string;
  establishmentIds: readonly string[];
  sends: readonly CostlySend[];
  /** What is sent, for the audit: 'login-code', 'invitation', ... */
  purpose: string;
  consultationId?: string;
}

/** The messages an invitation to these contacts sends (what createTeleconsultation and the call invitation send). */
export function invitationSends(...contacts: ({ email?: string | null; mobile?: string | null } | null)[]): CostlySend[] {
  const sends: CostlySend[] = [];
  for (const c of contacts) {
    if (c?.email) sends.push({ channel: 'email', to: c.email });
    if (c?.mobile) sends.push({ channel: 'sms', to: c.mobile });
  }
  return sends;
}

/** The same person however the number or address was typed; a hash, so that no key holds it in clear. */
function recipientKey(send: CostlySend): string {
  const normalised = send.channel === 'sms' ? (normaliseMobile(send.to) ?? send.to.replace(/\s/g, '')) : send.to.trim().toLowerCase();
  return createHash('sha256').update(`${send.channel}:${normalised}`).digest('hex').slice(0, 32);
}

/** Counts the sends, or refuses the request (429, audited) when a cap is reached. */
export async function reserveSends(req: Request, ctx: Context, request: SendRequest, now = Date.now()): Promise<void> {
  if (request.sends.length === 0) return;
  const { recipient, account, establishment } = ctx.config.messageCaps;
  const perRecipient = new Map<string, CapCount>();
  for (const send of request.sends) {
    const id = recipientKey(send);
    const counted = perRecipient.get(id);
    if (counted) counted.count += 1;
    else perRecipient.set(id, { scope: 'recipient', id, count: 1, cap: recipient });
  }
  const count = request.sends.length;
  const verdict = await ctx.store.messageCaps.reserve(
    [
      ...perRecipient.values(),
      { scope: 'account', id: request.accountId, count, cap: account },
      ...request.establishmentIds.map((id) => ({ scope: 'establishment' as const, id, count, cap: establishment })),
    ],
    now,
  );
  if (verdict.ok) return;
  const refusedSend = verdict.scope === 'recipient' ? request.sends.find((s) => recipientKey(s) === verdict.id) : undefined;
  await audit(ctx, {
    type: 'message.capped',
    actorId: request.accountId,
    ...(request.consultationId ? { consultationId: request.consultationId } : {}),
    address: callerAddress(req, ctx),
    detail: [`plafond ${SCOPE_FR[verdict.scope]}`, request.purpose, refusedSend ? `${refusedSend.channel} ${verdict.id.slice(0, 12)}` : null].filter(Boolean).join(' ; '),
  });
  throw new HttpError(429, 'too_many_sends', refusal(verdict.scope, refusedSend?.channel, verdict.retryAt - now));
}

const SCOPE_FR: Record<CapScope, string> = { recipient: 'destinataire', account: 'compte', establishment: 'établissement' };

function refusal(scope: CapScope, channel: CostlySend['channel'] | undefined, waitMs: number): string {
  const when = inFrench(waitMs);
  switch (scope) {
    case 'recipient':
      return `Trop d’envois vers ${channel === 'email' ? 'cette adresse' : 'ce numéro'}. Réessayez ${when} ou contactez l’établissement.`;
    case 'account':
      return `Trop d’envois de SMS et d’e-mails depuis ce compte. Réessayez ${when}.`;
    case 'establishment':
      return `L’établissement a atteint sa limite d’envois de SMS et d’e-mails. Réessayez ${when} ou contactez l’administrateur.`;
  }
}

/** «dans 12 minutes», «dans 3 heures»: rounded up, so that retrying then works. */
function inFrench(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes <= 90) return `dans ${minutes} minute${minutes > 1 ? 's' : ''}`;
  const hours = Math.ceil(minutes / 60);
  return `dans ${hours} heures`;
}
