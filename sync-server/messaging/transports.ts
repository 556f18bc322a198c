/** Where a message physically goes. A transport throws when the message was not accepted. */
import type { OutgoingEmail, OutgoingSms } from './types.ts';

export interface EmailTransport {
  readonly name: string;
  send(id: string, email: OutgoingEmail): Promise<void>;
}

export interface SmsTransport {
  readonly name: string;
  send(id: string, sms: OutgoingSms): Promise<void>;
}
