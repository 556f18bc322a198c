/** Email over SMTP (SMTP_URL), through nodemailer. */
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailTransport } from './transports.ts';
import type { OutgoingEmail } from './types.ts';
import { mailOptions } from './compose.ts';

export class SmtpEmailTransport implements EmailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transporter = nodemailer.createTransport(smtpUrl);
  }

  async send(id: string, email: OutgoingEmail): Promise<void> {
    await this.transporter.sendMail(mailOptions(this.from, id, email));
  }

  close(): void {
    this.transporter.close();
  }
}
