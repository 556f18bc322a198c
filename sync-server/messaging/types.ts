/**
 * What the rest of the server sees of messaging (email and SMS). Implementations: SMTP
 * (nodemailer, when SMTP_URL is set), an HTTP SMS gateway (SMS_GATEWAY_URL), and otherwise a
 * local outbox under the data dir. Every message is recorded with its delivery status.
 */
export type Channel = 'email' | 'sms';

export interface Attachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: Attachment[];
  /** Why it is sent ('login-code', 'invitation', 'vault-link', ...): kept in the record, never the body. */
  purpose: string;
}

export interface OutgoingSms {
  to: string;
  text: string;
  purpose: string;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface MessageRecord {
  id: string;
  channel: Channel;
  to: string;
  purpose: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface Messaging {
  /** Records the message and sends it; retries with backoff in the background on failure. */
  sendEmail(message: OutgoingEmail): Promise<MessageRecord>;
  sendSms(message: OutgoingSms): Promise<MessageRecord>;
  /** The current record of a message (its delivery status). */
  record(id: string): Promise<MessageRecord | undefined>;
}
