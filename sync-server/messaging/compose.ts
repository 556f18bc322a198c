/** Turns an outgoing email into nodemailer's message options (shared by SMTP and the outbox). */
import type { SendMailOptions } from 'nodemailer';
import { safeFileName } from '../../schema/fileName.ts';
import type { OutgoingEmail } from './types.ts';

export function mailOptions(from: string, id: string, email: OutgoingEmail): SendMailOptions {
  return {
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    // The record id, so a message found in a mailbox can be matched to its delivery record.
    messageId: `<${id}@relais>`,
    attachments: email.attachments?.map((a) => ({
      filename: safeFileName(a.filename),
      contentType: a.contentType,
      content: Buffer.from(a.content),
    })),
  };
}
