/**
 * #12 The client's calls are derived from the contract: the URL comes from the table, and a body
 * the route does not declare fails to compile (`npx tsc --noEmit` checks the `@ts-expect-error`
 * lines below: were the mismatch accepted, the unused directive would be an error).
 */
import { describe, expect, it } from 'vitest';
import { apiCall, apiUrl } from './apiCall.ts';

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
