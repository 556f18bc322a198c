/**
 * The local outbox: with no SMTP server or SMS gateway configured, each message is written as a
 * file under <dataDir>/outbox (an .eml for email, a .json for SMS), so development and tests run
 * on one machine and a developer reads what would have been sent at /dev/outbox.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailTransport, SmsTransport } from './transports.ts';
import type { OutgoingEmail, OutgoingSms } from './types.ts';
import { mailOptions } from './compose.ts';

export interface OutboxEntry {
  file: string;
  channel: 'email' | 'sms';
  /** mtime, ISO. */
  writtenAt: string;
}

/** File names are <time>-<id>.<ext>: sortable, and nothing of the message in the name. */
const ENTRY_NAME = /^[0-9]{13}-[A-Za-z0-9_-]{1,64}\.(eml|json)$/;

export class Outbox implements EmailTransport, SmsTransport {
  readonly name = 'outbox';
  private readonly composer: Transporter;

  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {
    // nodemailer's stream transport builds the exact RFC 822 message SMTP would carry.
    this.composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(id: string, message: OutgoingEmail | OutgoingSms): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stem = `${Date.now()}-${id}`;
    if ('subject' in message) {
      const info = (await this.composer.sendMail(mailOptions(this.from, id, message))) as { message: Buffer };
      await writeFile(join(this.dir, `${stem}.eml`), info.message, { mode: 0o600 });
    } else {
      const body = { id, to: message.to, text: message.text, purpose: message.purpose };
      await writeFile(join(this.dir, `${stem}.json`), JSON.stringify(body, null, 2), { mode: 0o600 });
    }
  }

  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => ENTRY_NAME.test(n))
      .sort()
      .reverse()
      .map((file) => ({
        file,
        channel: file.endsWith('.eml') ? ('email' as const) : ('sms' as const),
        writtenAt: new Date(Number(file.slice(0, 13))).toISOString(),
      }));
  }

  /** One entry's raw content, or null for a name that is not an outbox entry. */
  async read(file: string): Promise<Buffer | null> {
    if (!ENTRY_NAME.test(file)) return null;
    try {
      return await readFile(join(this.dir, file));
    } catch {
      return null;
    }
  }
}
