/** `GET /api/openapi.json`: the route table as OpenAPI 3.1, built once (it is the code's own). */
import { openApiDocument } from '../../schema/openApi.ts';
import type { Handlers } from './context.ts';

let document: string | null = null;

export const openApiHandlers: Handlers<'openApi'> = {
  openApi(_req, reply) {
    document ??= JSON.stringify(openApiDocument());
    reply.send(200, document, [['Content-Type', 'application/json; charset=utf-8']]);
  },
};
