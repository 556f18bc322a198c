/** The log check itself can fail: lines planted with a demo patient's name, phone or e-mail are found. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLogFiles, findHealthData } from './logCheck.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const clean = [
  '{"level":30,"time":1796221415271,"pid":11985,"req":"k2j41","method":"GET","route":"/api/consultations/:consultationId","status":401,"ms":1.2,"msg":"http"}',
  '{"level":30,"time":1796221415271,"pid":11985,"sock":"k2j42","kind":"dossier","msg":"sync socket open"}',
  '{"level":30,"msg":"Relais est prêt : http://127.0.0.1:8601\\n  Comptes de démonstration : dr.demo / relais-demo   ide.demo / relais-demo"}',
].join('\n');

describe('log check', () => {
  it('finds nothing in the lines a server writes', () => {
    expect(findHealthData(clean, 'server.log')).toEqual([]);
  });

  it.each([
    ['a birth name', '{"msg":"patient Dupont created"}', 'name'],
    ['a first name in capitals', '{"patient":{"firstNames":"JEANNE MARIE"}}', 'name'],
    ['a professional', '{"msg":"invitation sent by Claire Martin"}', 'name'],
    ['a phone, international', '{"to":"+33612345678"}', 'phone'],
    ['a phone, national with spaces', '{"msg":"SMS to 06 98 76 54 32 failed"}', 'phone'],
    ['a demo e-mail (its name found first)', '{"msg":"550 <famille.dupont@example.org>"}', 'name'],
    ['any e-mail', '{"msg":"bounce from someone@hopital.fr"}', 'e-mail'],
  ])('finds %s', (_what, planted, kind) => {
    const findings = findHealthData(`${clean}\n${planted}`, 'server.log');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'server.log', line: 4, kind });
  });

  it('fails a run listing the offending lines, the term masked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relais-logcheck-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'server-0.log'), clean);
    writeFileSync(join(dir, 'server-1.log'), `${clean}\n{"msg":"login code sent to +33 6 11 22 33 44"}\n`);
    expect(() => checkLogFiles([join(dir, 'server-0.log'), join(dir, 'missing.log')])).not.toThrow();
    let message = '';
    try {
      checkLogFiles([join(dir, 'server-0.log'), join(dir, 'server-1.log')]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Health data in the server logs of this run (1 line)');
    expect(message).toContain(`${join(dir, 'server-1.log')}:4 (phone)`);
    expect(message).toContain('login code sent to +');
    expect(message).not.toContain('11 22 33 44');
  });
});
