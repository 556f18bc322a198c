import type { Route } from './context.ts';

export const healthRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/health$/,
    handler: (_req, reply) => reply.sendJson(200, { status: 'ok' }),
  },
];
