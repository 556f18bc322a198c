/**
 * Real receivers for tests, on loopback: an SMTP server (npm smtp-server) whose mail is parsed by
 * mailparser, and an HTTP SMS sink that speaks the gateway contract of docs/SMS_GATEWAY.md.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface SmtpSink {
  url: string;
  mails: ParsedMail[];
  /** Refuse the next n messages with a 451 (temporary failure). */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (refuse > 0) {
            refuse -= 1;
            const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
            callback(error);
            return;
          }
          mails.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuseNext(n) {
      refuse = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedSms {
  id: string;
  to: string;
  text: string;
  authorization: string | null;
}

export interface SmsSink {
  url: string;
  messages: ReceivedSms[];
  /** Answer the next n requests with a 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** `delayMs`: each answer comes this late (a slow gateway: tries overlap). */
export async function startSmsSink(options: { delayMs?: number } = {}): Promise<SmsSink> {
  const messages: ReceivedSms[] = [];
  let fail = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') {
        res.writeHead(400).end();
        return;
      }
      if (fail > 0) {
        fail -= 1;
        res.writeHead(503).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<ReceivedSms, 'authorization'>;
      messages.push({ ...body, authorization: req.headers.authorization ?? null });
      const answer = (): void => void res.writeHead(202, { 'Content-Type': 'application/json' }).end(JSON.stringify({ accepted: true }));
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    messages,
    failNext(n) {
      fail = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
