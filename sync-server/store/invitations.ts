/**
 * Invitations (SPEC §6, §7.1.1): one per recipient and channel of a consultation. The join link is
 * not stored: it is re-signed from the record (see auth/invitationTokens.ts). Delivery status lives
 * in the messaging records, referenced by id.
 */
import type { Databases } from './db.ts';
import type { Invitations } from './contract.ts';
import type { InvitationChannel, InvitationRecipient } from '../../schema/consultation.ts';

export interface Invitation {
  id: string;
  consultationId: string;
  recipient: InvitationRecipient;
  /** Name shown in the room and in the email's greeting. */
  recipientName: string;
  channel: InvitationChannel;
  to: string;
  /** Messaging record ids, one per send, oldest first. */
  messageIds: string[];
  createdAt: string;
}

export class InvitationStore implements Invitations {
  constructor(private readonly db: Pick<Databases, 'invitations'>) {}

  async get(id: string): Promise<Invitation | undefined> {
    return this.db.invitations.get(id) as Invitation | undefined;
  }

  async put(value: Invitation): Promise<void> {
    await this.db.invitations.put(value.id, value);
  }

  async forConsultation(consultationId: string): Promise<Invitation[]> {
    const out: Invitation[] = [];
    for (const { value } of this.db.invitations.getRange()) {
      const inv = value as Invitation;
      if (inv.consultationId === consultationId) out.push(inv);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.recipient.localeCompare(b.recipient));
  }
}
