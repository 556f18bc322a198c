/**
 * Builds the messaging core from the configuration: SMTP when SMTP_URL is set, the HTTP SMS
 * gateway when SMS_GATEWAY_URL is set, the local outbox for whichever is not.
 */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Messages } from '../store/contract.ts';
import { Messenger, type MessengerOptions } from './Messenger.ts';
import { Outbox } from './outbox.ts';
import { SmtpEmailTransport } from './smtp.ts';
import { HttpSmsGateway } from './smsGateway.ts';

export interface MessagingSetup {
  messenger: Messenger;
  outbox: Outbox;
  close(): void;
}

export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

export async function createMessaging(
  config: Config,
  store: Messages,
  options: { retryDelaysMs?: number[]; log?: (m: string) => void; exclusive?: MessengerOptions['exclusive'] } = {},
): Promise<MessagingSetup> {
  const outbox = new Outbox(outboxDir(config.dataDir), config.mailFrom);
  const smtp = config.smtpUrl ? new SmtpEmailTransport(config.smtpUrl, config.mailFrom) : null;
  const sms = config.smsGatewayUrl ? new HttpSmsGateway(config.smsGatewayUrl, config.smsGatewayToken) : outbox;
  const messenger = new Messenger(store, { email: smtp ?? outbox, sms, ...options });
  await messenger.resume();
  return {
    messenger,
    outbox,
    close() {
      messenger.close();
      smtp?.close();
    },
  };
}
