/** A guest's invitation to a consultation's call, stored, and the join-link token it gives. */
import { roomWindow } from '../../schema/consultation.ts';
import { InvitationTokens } from '../auth/invitationTokens.ts';
import { sharedSecret } from '../auth/secrets.ts';
import type { Store } from '../store/contract.ts';
import type { Running } from './harness.ts';

export async function inviteGuest(relais: Running<Store>, consultationId: string, slot: { start: string; durationMinutes: number }): Promise<string> {
  const invitationId = `inv${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  await relais.store.invitations.put({
    id: invitationId,
    consultationId,
    recipient: 'patient',
    recipientName: 'Jeanne Dupont',
    channel: 'email',
    to: 'jeanne@example.org',
    messageIds: [],
    createdAt: new Date().toISOString(),
  });
  const tokens = new InvitationTokens(sharedSecret(relais.config, 'invitation'));
  return tokens.sign({ consultationId, invitationId, window: roomWindow(slot) });
}
