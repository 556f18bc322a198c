import { describe, expect, it } from 'vitest';
import {
  checkBirthDate,
  checkInsMatricule,
  duplicateKey,
  finishStrictTrait,
  firstOf,
  insMatriculeKey,
  normaliseMobile,
  normaliseStrictTrait,
  publicIdentity,
  statusAfterEdit,
  validatePatientInput,
  type PatientIdentity,
} from './identity.ts';

const NOW = Date.parse('2025-06-15T10:00:00Z');

describe('§3 strict traits are capitals without accents, keeping hyphens and apostrophes', () => {
  it('normalises as the user types', () => {
    expect(normaliseStrictTrait('Hélène-Françoise')).toBe('HELENE-FRANCOISE');
    expect(normaliseStrictTrait('d’Arc')).toBe("D'ARC");
    expect(normaliseStrictTrait('Lætitia Œuvray')).toBe('LAETITIA OEUVRAY');
    expect(normaliseStrictTrait('Müller2 (née)')).toBe('MULLER NEE');
    // The trailing space stays while typing: the next word is coming.
    expect(normaliseStrictTrait('Jean ')).toBe('JEAN ');
    expect(normaliseStrictTrait('  Jean   Pierre')).toBe('JEAN PIERRE');
  });
  it('trims when the field is left, and keeps the first birth first name apart', () => {
    expect(finishStrictTrait(' marie-josé  ')).toBe('MARIE-JOSE');
    expect(firstOf('Jeanne Marie Louise')).toBe('JEANNE');
    expect(firstOf('Jean-Pierre Paul')).toBe('JEAN-PIERRE');
  });
});

describe('§3 INS matricule key = 97 − (number mod 97)', () => {
  it('accepts a right key and refuses a wrong one', () => {
    const body = '2380475056123';
    const key = insMatriculeKey(body);
    expect(checkInsMatricule(body + key)).toBe('ok');
    const wrong = String((Number(key) % 97) + 1).padStart(2, '0');
    expect(checkInsMatricule(body + wrong)).toBe('badMatriculeKey');
    expect(checkInsMatricule('1 85 05 78 006 084 91'.replace(/\s/g, ''))).toBe(checkInsMatricule('185057800608491'));
  });
  it('counts Corsica 2A as 19 and 2B as 18', () => {
    // 2A: 97 − (1380619004123 mod 97); 2B likewise with 18.
    const a = '13806' + '2A' + '004123';
    const b = '13806' + '2B' + '004123';
    expect(insMatriculeKey(a)).toBe(String(97 - (1380619004123 % 97)).padStart(2, '0'));
    expect(checkInsMatricule(a + insMatriculeKey(a))).toBe('ok');
    expect(checkInsMatricule(b + insMatriculeKey(b))).toBe('ok');
    expect(checkInsMatricule(a + insMatriculeKey(b))).toBe('badMatriculeKey');
  });
  it('refuses a wrong length or a letter', () => {
    expect(checkInsMatricule('12345')).toBe('badMatricule');
    expect(checkInsMatricule('2380475O56123' + '00')).toBe('badMatricule');
  });
});

describe('§3 mobile numbers are checked with libphonenumber-js', () => {
  it('accepts French and international mobiles in E.164', () => {
    expect(normaliseMobile('06 12 34 56 78')).toBe('+33612345678');
    expect(normaliseMobile('07.81.23.45.67')).toBe('+33781234567');
    expect(normaliseMobile('+44 7400 123456')).toBe('+447400123456');
    expect(normaliseMobile('+32 470 12 34 56')).toBe('+32470123456');
  });
  it('refuses landlines and garbage', () => {
    expect(normaliseMobile('01 42 34 56 78')).toBeNull();
    expect(normaliseMobile('06 12 34')).toBeNull();
    expect(normaliseMobile('bonjour')).toBeNull();
  });
});

describe('§3 identity form validation', () => {
  const good = { birthName: 'Dupont', firstNames: 'Jeanne Marie', birthDate: '1938-04-12', sex: 'F', email: 'a@b.fr' };
  it('normalises a good identity', () => {
    const r = validatePatientInput({ ...good, mobile: '06 12 34 56 78', birthPlace: '2a004' }, NOW);
    expect(r).toMatchObject({ ok: true, value: { birthName: 'DUPONT', firstNames: 'JEANNE MARIE', mobile: '+33612345678', birthPlace: '2A004', status: 'PROV' } });
  });
  it('refuses a birth date in the future', () => {
    expect(checkBirthDate('2025-06-16', NOW)).toBe('futureDate');
    expect(checkBirthDate('2025-06-15', NOW)).toBeNull();
    expect(checkBirthDate('2025-02-30', NOW)).toBe('badDate');
  });
  it('puts each error on its field', () => {
    const r = validatePatientInput(
      { birthName: '', firstNames: 'X', birthDate: '2090-01-01', sex: '', email: 'pas-un-mail', mobile: '0142345678', birthPlace: '7505', insMatricule: '238047505612300' },
      NOW,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toMatchObject({
      birthName: 'required',
      birthDate: 'futureDate',
      sex: 'required',
      email: 'badEmail',
      mobile: 'badMobile',
      birthPlace: 'badInsee',
    });
    expect(['badMatriculeKey', 'badMatricule']).toContain(r.errors.insMatricule);
  });
  it('needs at least one contact', () => {
    const r = validatePatientInput({ ...good, email: '' }, NOW);
    expect(r).toMatchObject({ ok: false, errors: { contact: 'contactRequired' } });
  });
  it('VALI needs the identity document, RECUP and QUAL the matricule', () => {
    expect(validatePatientInput({ ...good, status: 'VALI' }, NOW)).toMatchObject({ ok: false, errors: { identityDocument: 'documentRequired' } });
    expect(validatePatientInput({ ...good, status: 'QUAL', identityDocument: 'passeport' }, NOW)).toMatchObject({
      ok: false,
      errors: { insMatricule: 'matriculeRequired' },
    });
  });
});

describe('§3 INS statuses', () => {
  const base = validatePatientInput(
    { birthName: 'DUPONT', firstNames: 'JEANNE', birthDate: '1938-04-12', sex: 'F', email: 'a@b.fr', status: 'QUAL', identityDocument: 'passeport', insMatricule: '2380475056123' + insMatriculeKey('2380475056123') },
    NOW,
  );
  if (!base.ok) throw new Error('fixture');
  it('editing a strict trait drops the status back to PROV', () => {
    expect(statusAfterEdit(base.value, { ...base.value, birthDate: '1938-04-13' })).toBe('PROV');
    expect(statusAfterEdit(base.value, { ...base.value, email: 'c@d.fr' })).toBe('QUAL');
    expect(statusAfterEdit(base.value, { ...base.value, usedName: 'MARTIN' })).toBe('QUAL');
  });
  it('only a QUAL identity shows its INS number', () => {
    const identity: PatientIdentity = { ...base.value, id: 'p', establishmentId: 'e', firstName: 'JEANNE', createdAt: '', createdBy: 'u' };
    expect(publicIdentity(identity).insMatricule).toBe(identity.insMatricule);
    expect(publicIdentity({ ...identity, status: 'VALI' }).insMatricule).toBeNull();
  });
  it('likely duplicates share birth name, first name and birth date', () => {
    expect(duplicateKey({ birthName: 'dupont', firstNames: 'Jeanne Louise', birthDate: '1938-04-12' })).toBe(
      duplicateKey({ birthName: 'DUPONT', firstNames: 'JEANNE', birthDate: '1938-04-12' }),
    );
  });
});
