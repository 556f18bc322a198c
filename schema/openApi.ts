/**
 * The route table (schema/routes.ts) published as an OpenAPI 3.1 document: served at
 * `GET /api/openapi.json`, copied to docs/openapi.json (`npm run openapi`), and checked against
 * the table by schema/openApi.test.ts. Pure code: no I/O.
 */
import type { GenericSchema } from 'valibot';
import { toJsonSchema } from '@valibot/to-json-schema';
import { API, isBinary, openApiPath, pathParams, type RouteId, type RouteSpec } from './routes.ts';

type Json = Record<string, unknown>;

/** JSON Schema of a valibot schema; shapes typed only in TypeScript come out as `{}` with their description. */
function jsonSchema(schema: GenericSchema): Json {
  const out = toJsonSchema(schema, { errorMode: 'ignore' }) as Json;
  delete out.$schema;
  return out;
}

const ERROR = {
  description: 'Refus : un code stable pour les programmes, un message en français pour les personnes.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function operation(id: RouteId, spec: RouteSpec): Json {
  const parameters: Json[] = [];
  const params = spec.params ? (jsonSchema(spec.params).properties as Record<string, Json>) : {};
  for (const name of pathParams(spec.path)) parameters.push({ name, in: 'path', required: true, schema: params[name] ?? { type: 'string' } });
  if (spec.query) {
    const query = jsonSchema(spec.query);
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(query.properties as Record<string, Json>)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  const op: Json = { operationId: id, summary: spec.summary };
  if (parameters.length) op.parameters = parameters;
  if (spec.body) {
    op.requestBody = isBinary(spec.body)
      ? { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } }
      : { required: spec.body.type !== 'optional', content: { 'application/json': { schema: jsonSchema(spec.body) } } };
  }
  const status = String(spec.status ?? 200);
  const success =
    spec.response === 'none'
      ? { description: 'Fait.' }
      : spec.response === 'redirect'
        ? { description: 'Redirection.' }
        : isBinary(spec.response)
          ? { description: 'Le fichier.', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } }
          : { description: 'Succès.', content: { 'application/json': { schema: jsonSchema(spec.response) } } };
  op.responses = { [status]: success, default: ERROR };
  return op;
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const id of Object.keys(API) as RouteId[]) {
    const spec: RouteSpec = API[id];
    const path = openApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation(id, spec) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Relais — API REST',
      version: '1',
      description:
        'Les routes REST de Relais, dérivées de schema/routes.ts. Authentification par le cookie de session ' +
        '(relais_session) ; un invité de l’appel par `Authorization: Invitation <jeton>`. Un corps refusé répond 400 ' +
        '`invalid_request` en nommant le champ (`field`).',
    },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            field: { type: 'string' },
            fields: { type: 'object', additionalProperties: { type: 'string' } },
          },
          required: ['error', 'message'],
        },
      },
    },
  };
}
