/**
 * Outgoing messages (email, SMS): their delivery record and, until sent, what is needed to send
 * them again. A sent message keeps its record only: its body (a login code, a link) has no reason
 * to outlive the delivery.
 */
import type { Databases } from './db.ts';
import type { Messages } from './contract.ts';
import type { MessageRecord, OutgoingEmail, OutgoingSms } from '../messaging/types.ts';

export type MessagePayload = { channel: 'email'; email: OutgoingEmail } | { channel: 'sms'; sms: OutgoingSms };

export interface StoredMessage {
  record: MessageRecord;
  /** Null once sent. */
  payload: MessagePayload | null;
  /** Epoch ms of the next try; null when none is planned (sent, or failed for good). */
  nextAttemptAt: number | null;
}

export class MessageStore implements Messages {
  constructor(private readonly db: Pick<Databases, 'messages'>) {}

  async get(id: string): Promise<StoredMessage | undefined> {
    return this.db.messages.get(id) as StoredMessage | undefined;
  }

  async put(message: StoredMessage): Promise<void> {
    await this.db.messages.put(message.record.id, message);
  }

  /** Messages with a try planned: resumed after a restart. */
  async pending(): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for (const { value } of this.db.messages.getRange()) {
      const m = value as StoredMessage;
      if (m.nextAttemptAt !== null) out.push(m);
    }
    return out;
  }

  /** Every record, newest first (for the admin and /dev/outbox pages). */
  async records(limit = 200): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    for (const { value } of this.db.messages.getRange()) out.push((value as StoredMessage).record);
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }
}
