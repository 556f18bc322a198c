/**
 * Creating a teleconsultation (SPEC §6): the télédossier and room documents first, then the
 * record, then the invitations and the activity entry. In that order a consultation never exists
 * without its dossier, and an invitation never without its consultation; documents left by a
 * failure half-way are unreachable (no record points to them).
 */
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { dossierDocName, newDossierUpdate } from '../../schema/dossier.ts';
import type { Companion, Consent, Contacts, InvitationChannel, InvitationRecipient, InvitationView } from '../../schema/consultation.ts';
import { displayName } from '../../schema/identity.ts';
import type { Consultation } from '../store/consultations.ts';
import type { Invitation } from '../store/invitations.ts';
import type { Patient } from '../store/patients.ts';
import type { User } from '../store/users.ts';
import type { Context } from '../http/context.ts';
import { invitationEmail, invitationSms } from '../messaging/templates/invitation.ts';
import { joinLink } from '../auth/invitationTokens.ts';
import { linkOrigin } from '../config.ts';

export const newId = (): string => randomBytes(12).toString('base64url');

/** The consultation record with what the wizard collected (SPEC §4, §5). */
export interface ConsultationRecord extends Consultation {
  kind?: 'scheduled' | 'instant';
  consent?: Consent;
  companion?: Companion;
  /** The patient's contacts the invitations went to. */
  patientContacts?: Contacts;
}

export interface NewConsultation {
  establishmentId: string;
  patient: Patient;
  consent: Consent;
  patientContacts: Contacts;
  companion: Companion;
  start: string;
  durationMinutes: number;
  reason: string;
  kind: 'scheduled' | 'instant';
  /** Accounts of the establishment chosen as participants, checked by the caller. */
  colleagueIds?: string[];
}

/** Where join links point: from the configuration only, never a request's Host header (#11). */
export function publicOrigin(ctx: Context): string {
  return linkOrigin(ctx.config);
}

export function patientLabel(patient: Patient): string {
  if (patient.instant) return patient.mobile ?? patient.email ?? '';
  return displayName(patient);
}

export async function createTeleconsultation(ctx: Context, user: User, input: NewConsultation, origin: string): Promise<ConsultationRecord> {
  const id = newId();
  const createdAt = new Date().toISOString();
  await ctx.store.docs.create(dossierDocName(id), newDossierUpdate({ consultationId: id, createdAt, motif: input.reason }));
  // The room document exists from creation, empty: its content is written by the call.
  await ctx.store.docs.create(`room/${id}`, Y.encodeStateAsUpdate(new Y.Doc()));
  const participants = [...new Set([user.id, ...(input.colleagueIds ?? [])])];
  // A companion with an account (matched by RPPS in the same establishment) opens the dossier too.
  if (input.companion.kind === 'professional' && input.companion.rpps) {
    const colleague = await ctx.store.users.byRpps(input.companion.rpps);
    if (colleague && !participants.includes(colleague.id) && colleague.establishmentIds.includes(input.establishmentId)) {
      participants.push(colleague.id);
    }
  }
  const record: ConsultationRecord = {
    id,
    establishmentId: input.establishmentId,
    patientId: input.patient.id,
    createdBy: user.id,
    participants,
    start: input.start,
    durationMinutes: input.durationMinutes,
    reason: input.reason,
    createdAt,
    kind: input.kind,
    consent: input.consent,
    companion: input.companion,
    patientContacts: input.patientContacts,
  };
  await ctx.store.consultations.put(record);

  const invitations: Invitation[] = [];
  const add = (recipient: InvitationRecipient, recipientName: string, channel: InvitationChannel, to: string | null) => {
    if (to) invitations.push({ id: newId(), consultationId: id, recipient, recipientName, channel, to, messageIds: [], createdAt });
  };
  const patientName = patientLabel(input.patient);
  add('patient', patientName, 'email', input.patientContacts.email);
  add('patient', patientName, 'sms', input.patientContacts.mobile);
  if (input.companion.kind !== 'none') {
    add('companion', input.companion.name, 'email', input.companion.email);
    add('companion', input.companion.name, 'sms', input.companion.mobile);
  }
  for (const invitation of invitations) await ctx.store.invitations.put(invitation);

  await ctx.activity.upsert(input.establishmentId, {
    consultationId: id,
    patientName,
    start: record.start,
    durationMinutes: record.durationMinutes,
    kind: input.kind,
    createdByName: user.displayName,
    participants,
    inRoom: [],
  });
  for (const invitation of invitations) await sendInvitation(ctx, record, invitation, user, patientName, origin);
  return record;
}

/** Sends (or sends again, SPEC §7.1.1) one invitation; the delivery record id is kept on it. */
export async function sendInvitation(
  ctx: Context,
  consultation: ConsultationRecord,
  invitation: Invitation,
  professional: Pick<User, 'displayName'>,
  patientName: string,
  origin: string,
): Promise<Invitation> {
  const content = {
    consultationId: consultation.id,
    invitationId: invitation.id,
    recipientName: invitation.recipientName,
    accompanying: invitation.recipient === 'companion' ? patientName : null,
    professionalName: professional.displayName,
    start: consultation.start,
    durationMinutes: consultation.durationMinutes,
    link: joinLink(ctx.invitationTokens, origin, consultation, invitation.id),
    instant: consultation.kind === 'instant',
  };
  const message =
    invitation.channel === 'email'
      ? await ctx.messaging.sendEmail(invitationEmail(content, invitation.to))
      : await ctx.messaging.sendSms(invitationSms(content, invitation.to));
  const updated = { ...invitation, messageIds: [...invitation.messageIds, message.id] };
  await ctx.store.invitations.put(updated);
  return updated;
}

export async function invitationView(ctx: Context, invitation: Invitation): Promise<InvitationView> {
  const lastId = invitation.messageIds[invitation.messageIds.length - 1];
  const record = lastId ? await ctx.messaging.record(lastId) : undefined;
  return {
    id: invitation.id,
    recipient: invitation.recipient,
    channel: invitation.channel,
    to: invitation.to,
    status: record?.status ?? 'pending',
    sentAt: record?.sentAt ?? null,
    sends: invitation.messageIds.length,
  };
}
