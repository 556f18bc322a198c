/**
 * SMS through an HTTP gateway (SMS_GATEWAY_URL). The contract, in docs/SMS_GATEWAY.md: one JSON
 * POST per message, { id, to, text }, any 2xx means accepted; anything else is retried.
 */
import type { SmsTransport } from './transports.ts';
import type { OutgoingSms } from './types.ts';

/** A gateway that neither answers nor fails within this time counts as a failure (retried). */
const GATEWAY_TIMEOUT_MS = 10_000;

export class HttpSmsGateway implements SmsTransport {
  readonly name = 'sms-gateway';

  constructor(
    private readonly url: string,
    private readonly token: string | null,
  ) {}

  async send(id: string, sms: OutgoingSms): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Idempotency-Key': id };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id, to: sms.to, text: sms.text }),
      signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS),
    });
    // The body may echo the text (a login code): it is read and dropped, never put in an error.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
  }
}
