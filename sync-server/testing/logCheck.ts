/**
 * The log-redaction check (issue 14): every server log a test run wrote is read for the demo
 * patients' and professionals' names, phone numbers and e-mail addresses, and for any e-mail
 * address at all. Run by Playwright's global teardown (e2e/global-teardown.ts) over the e2e
 * servers' LOG_FILEs, and by vitest's (sync-server/testing/vitestLogCheck.ts) over the file every
 * server of the vitest run appends to. A finding fails the run, each offending line shown with the
 * term masked, so the report does not repeat the leak.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEMO_PATIENTS, DEMO_PROFESSIONALS } from '../../scripts/demo.ts';

export interface Finding {
  file: string;
  line: number;
  /** What kind of term: «name», «phone», «e-mail». */
  kind: string;
  /** The line, cut to 200 characters, the term masked. */
  excerpt: string;
}

interface Term {
  kind: 'name' | 'phone' | 'e-mail';
  pattern: RegExp;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A word, whatever its case and accents' case, not inside a longer word. */
const word = (w: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])${escape(w)}(?![\\p{L}\\p{N}])`, 'iu');
/** A French mobile however written: +33 6 12 34 56 78, 0612345678, 06.12.34.56.78. */
const phone = (international: string): RegExp => {
  const digits = international.replace(/^\+33/, '').split('');
  return new RegExp(`(?:\\+33|0033|0)[\\s.-]?${digits.map(escape).join('[\\s.-]?')}(?!\\d)`);
};

/** The terms looked for: every word of the demo people's names, their phones and e-mails, any e-mail. */
export function forbiddenTerms(): Term[] {
  const names = new Set<string>();
  const phones = new Set<string>();
  const emails = new Set<string>();
  for (const p of DEMO_PATIENTS) {
    for (const n of [p.birthName, p.firstNames, p.usedName]) for (const w of (n ?? '').split(/\s+/)) if (w) names.add(w);
    if (p.mobile) phones.add(p.mobile);
    if (p.email) emails.add(p.email);
  }
  for (const p of Object.values(DEMO_PROFESSIONALS)) {
    // «Dr Claire Martin», «Sophie Bernard (IDE)»: the name words, not the title or the role.
    for (const w of p.displayName.replace(/\(.*\)/, '').split(/\s+/)) if (w.length > 2 && w !== 'Dr') names.add(w);
    if (p.mobile) phones.add(p.mobile);
    emails.add(p.email);
  }
  return [
    ...[...names].map((n) => ({ kind: 'name' as const, pattern: word(n) })),
    ...[...phones].map((p) => ({ kind: 'phone' as const, pattern: phone(p) })),
    ...[...emails].map((e) => ({ kind: 'e-mail' as const, pattern: new RegExp(escape(e), 'i') })),
    { kind: 'e-mail', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/ },
  ];
}

/** The offending lines of `text` (a log file's content). */
export function findHealthData(text: string, file: string, terms = forbiddenTerms()): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((content, i) => {
    for (const term of terms) {
      const match = term.pattern.exec(content);
      if (!match) continue;
      const masked = content.replace(new RegExp(term.pattern.source, `${term.pattern.flags.replace('g', '')}g`), (m) => `${m[0]}${'*'.repeat(m.length - 1)}`);
      const at = Math.max(0, match.index - 80);
      findings.push({ file, line: i + 1, kind: term.kind, excerpt: masked.slice(at, at + 200) });
      break;
    }
  });
  return findings;
}

/** Reads `files` (missing ones count as empty) and throws, listing the findings, when any line leaks. */
export function checkLogFiles(files: string[]): { lines: number } {
  let lines = 0;
  const findings: Finding[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    lines += text.split('\n').filter(Boolean).length;
    findings.push(...findHealthData(text, file));
  }
  if (findings.length > 0) {
    const shown = findings.slice(0, 20).map((f) => `  ${f.file}:${f.line} (${f.kind}): ${f.excerpt}`);
    throw new Error(
      `Health data in the server logs of this run (${findings.length} line${findings.length > 1 ? 's' : ''}):\n${shown.join('\n')}` +
        (findings.length > 20 ? `\n  … and ${findings.length - 20} more` : ''),
    );
  }
  return { lines };
}
