/**
 * #12 The published OpenAPI document is the route table: it validates as OpenAPI 3.1, lists every
 * route of the table, and docs/openapi.json is what the code generates (run `npm run openapi`
 * after changing schema/routes.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from './openApi.ts';
import { API, openApiPath, type RouteId } from './routes.ts';

describe('#12 the OpenAPI document is the route table', () => {
  const document = openApiDocument();

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every route of the table, with its method and operation id', () => {
    const paths = document.paths as Record<string, Record<string, { operationId: string }>>;
    const listed = Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(listed.sort()).toEqual(Object.keys(API).sort());
    for (const id of Object.keys(API) as RouteId[]) {
      expect(paths[openApiPath(API[id].path)]?.[API[id].method.toLowerCase()]?.operationId).toBe(id);
    }
  });

  it('docs/openapi.json is up to date (npm run openapi)', () => {
    const copy = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(copy).toEqual(document);
  });
});
