/**
 * Redaction (issue 14): what a log line keeps of cookies, credentials, codes and the people a
 * request is about. The lines are read as an operator would read them: the JSON pino writes.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, scrubText } from './log.ts';

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; destination: { write(line: string): void } } {
  const out: string[] = [];
  return {
    destination: { write: (line: string) => void out.push(line) },
    raw: () => out.join(''),
    lines: () => out.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('log redaction', () => {
  it('redacts cookie and authorization headers, token and code fields', () => {
    const sink = capture();
    const log = createLogger({ level: 'info', destination: sink.destination });
    log.info({
      headers: { cookie: 'relais_session=abc123secret', authorization: 'Bearer eyJsecret', 'set-cookie': 'x=1', host: 'relais.example.fr' },
      body: { token: 'tok-secret', code: '123456', inviteToken: 'inv-secret', password: 'relais-demo', otp: '654321' },
    }, 'request');
    const [line] = sink.lines();
    expect(line!.headers).toEqual({ cookie: REDACTED, authorization: REDACTED, 'set-cookie': REDACTED, host: 'relais.example.fr' });
    expect(line!.body).toEqual({ token: REDACTED, code: REDACTED, inviteToken: REDACTED, password: REDACTED, otp: REDACTED });
    for (const secret of ['abc123secret', 'eyJsecret', 'tok-secret', '123456', 'inv-secret', 'relais-demo', '654321']) expect(sink.raw()).not.toContain(secret);
  });

  it('redacts names, phone numbers and e-mail addresses in objects, arrays and errors', () => {
    const sink = capture();
    const log = createLogger({ level: 'info', destination: sink.destination });
    log.warn({
      patient: { birthName: 'DUPONT', firstNames: 'JEANNE MARIE', usedName: 'PETIT', mobile: '+33612345678', email: 'famille.dupont@example.org', sex: 'F' },
      recipients: [{ displayName: 'Dr Claire Martin', phone: '06 11 22 33 44' }],
      note: 'sent to famille.dupont@example.org and +33 6 12 34 56 78, then 0698765432',
      err: new Error('550 mailbox unavailable: <simone.petit@example.org>'),
      route: '/api/patients/:id',
      status: 200,
    });
    const [line] = sink.lines();
    expect(line!.patient).toEqual({ birthName: REDACTED, firstNames: REDACTED, usedName: REDACTED, mobile: REDACTED, email: REDACTED, sex: 'F' });
    expect(line!.recipients).toEqual([{ displayName: REDACTED, phone: REDACTED }]);
    expect(line!.note).toBe(`sent to ${REDACTED} and ${REDACTED}, then ${REDACTED}`);
    expect((line!.err as { message: string }).message).toBe(`550 mailbox unavailable: <${REDACTED}>`);
    expect(line!.route).toBe('/api/patients/:id');
    expect(line!.status).toBe(200);
    for (const clear of ['DUPONT', 'JEANNE', 'PETIT', 'Claire', '612345678', '6 12 34', '0698765432', 'example.org', '11 22 33']) expect(sink.raw()).not.toContain(clear);
  });

  it('scrubs the message itself, format arguments and an error logged alone', () => {
    const sink = capture();
    const log = createLogger({ level: 'info', destination: sink.destination });
    log.info('code sent to claire.martin@example.org');
    log.info('sms to %s', '+33611223344');
    log.error(new Error('Authorization: Bearer abc.def.ghi refused for 06.55.66.77.88'));
    const lines = sink.lines();
    expect(lines.map((l) => l.msg)).toEqual([`code sent to ${REDACTED}`, `sms to ${REDACTED}`, `Authorization: ${REDACTED} refused for ${REDACTED}`]);
    expect((lines[2]!.err as { message: string }).message).toBe(`Authorization: ${REDACTED} refused for ${REDACTED}`);
  });

  it('keeps what an operator needs: ids of requests, durations, dates and ports are not phone numbers', () => {
    expect(scrubText('GET /api/health 200 in 12 ms on port 8080 at 2026-12-02T14:05:45.123Z, pid 123456789')).toBe(
      'GET /api/health 200 in 12 ms on port 8080 at 2026-12-02T14:05:45.123Z, pid 123456789',
    );
  });

  it('writes nothing below LOG_LEVEL', () => {
    const sink = capture();
    const log = createLogger({ level: 'warn', destination: sink.destination });
    log.info('quiet');
    log.warn('loud');
    expect(sink.lines().map((l) => l.msg)).toEqual(['loud']);
  });
});
