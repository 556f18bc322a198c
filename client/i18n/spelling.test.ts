/**
 * One spelling of «e-mail» in French (STYLE.md): «e-mail», «E-mail» at the start of a label,
 * «Adresse e-mail». The French catalogue's values are scanned (keys and {placeholders} are code),
 * and so are the French messages the server sends to people (errors, mails), which the catalogue
 * does not hold.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fr } from './fr.ts';

/** The word «email» (without hyphen) in a user-visible French text; placeholders are not text. */
const unhyphenated = (text: string): boolean => /\bemail\b/i.test(text.replace(/\{[^}]*\}/g, ''));

describe('«e-mail» is spelt one way in French', () => {
  it('no value of the French catalogue says «email»', () => {
    const offenders = Object.entries(fr)
      .filter(([, value]) => unhyphenated(value))
      .map(([key, value]) => `${key}: ${value}`);
    expect(offenders).toEqual([]);
  });

  it('the rule itself: «email» is caught, «e-mail», «E-mail» and a {email} placeholder are not', () => {
    expect(unhyphenated('Adresse email invalide.')).toBe(true);
    expect(unhyphenated('choisissez «Email».')).toBe(true);
    expect(unhyphenated('Adresse e-mail invalide.')).toBe(false);
    expect(unhyphenated('E-mail')).toBe(false);
    expect(unhyphenated('Code envoyé à {email}.')).toBe(false);
  });

  it('no French message of the server says «email» (errors, mails, schema messages)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path);
      }
    };
    for (const dir of ['sync-server', 'schema', 'peer-server']) walk(join(root, dir));
    // A French phrase around the word, inside a string: not a variable, a key or a channel name.
    const french = /(?:\b(?:adresse|par|cet|un|une|votre)\s+|«\s*)email\b/i;
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments are for developers, in English
          for (const literal of line.match(/'[^']*'|`[^`]*`|"[^"]*"/g) ?? []) {
            if (french.test(literal)) offenders.push(`${file.slice(root.length + 1)}:${i + 1}: ${literal}`);
          }
        });
    }
    expect(offenders).toEqual([]);
  });
});
