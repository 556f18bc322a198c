/**
 * #12 The client's calls are derived from the contract: the URL comes from the table, and a body
 * the route does not declare fails to compile (`npx tsc --noEmit` checks the `@ts-expect-error`
 * lines below: were the mismatch accepted, the unused directive would be an error).
 */
import { describe, expect, it } from 'vitest';
import { apiCall, apiUrl, failure } from './apiCall.ts';
import { setLang } from './i18n/index.ts';

describe('#12 apiCall follows the route table', () => {
  it('builds the path with its parameters escaped, and the query', () => {
    expect(apiUrl('document', { params: { consultationId: 'c1', documentId: 'd/1' }, query: { inline: '1' } })).toBe('/api/consultations/c1/documents/d%2F1?inline=1');
    expect(apiUrl('dossierExport', { params: { consultationId: 'c1' } })).toBe('/api/consultations/c1/export.zip');
    expect(apiUrl('health')).toBe('/api/health');
  });

  it('a body the route does not read does not compile (the MSSanté defect)', () => {
    const compileOnly = (): unknown => [
      // @ts-expect-error the route reads `rpps`, not `to`
      apiCall('secureMessaging', { params: { consultationId: 'c', documentId: 'd' }, body: { to: 'x@mssante.fr' } }),
      // @ts-expect-error a route with parameters needs them
      apiCall('consultation'),
      // @ts-expect-error `motif` is not a field of the creation request
      apiCall('consultationInstant', { body: { contact: '0612345678', consent: true, motif: 'plaie' } }),
    ];
    expect(typeof compileOnly).toBe('function');
  });
});

describe('#12 server error codes are shown in the interface language', () => {
  // setLang sets <html lang>: a stand-in document, this test runs in Node.
  Object.assign(globalThis, { document: { documentElement: {} } });
  const refusal = { error: 'no_mssante', message: 'Ce professionnel n’a pas d’adresse de messagerie sécurisée (MSSanté).' };

  it('in English, a known code gets the client’s own English message, never the French one', () => {
    setLang('en');
    expect(failure(409, refusal).message).toBe('This professional has no secure messaging (MSSanté) address.');
    expect(failure(400, { error: 'invalid_request', message: 'Champ « adresse e-mail » : texte attendu.', field: 'email' }).message).toBe('Field “email”: invalid value.');
    expect(failure(418, { error: 'teapot', message: 'Je suis une théière.' }).message).toBe('The request failed. Please try again.');
  });

  it('in English, a form’s per-field messages are the client’s own words, never the server’s French', () => {
    setLang('en');
    const body = {
      error: 'invalid_fields',
      message: 'Certains champs sont à corriger.',
      fields: { birthDate: 'Date invalide.', 'patientContacts.email': 'Adresse e-mail invalide.' },
      fieldCodes: { birthDate: 'badDate' },
    };
    expect(failure(400, body).fields).toEqual({ birthDate: 'Invalid date.', 'patientContacts.email': 'Please check this field.' });
    setLang('fr');
    expect(failure(400, body).fields).toEqual(body.fields);
  });

  it('in French, the server’s message (it may name a number or a field); the catalogue when it sent none', () => {
    setLang('fr');
    expect(failure(409, refusal).message).toBe(refusal.message);
    expect(failure(409, { error: 'room_full' }).message).toBe('La salle est complète.');
  });
});

