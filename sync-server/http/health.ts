import type { Handlers } from './context.ts';

export const healthHandlers: Handlers<'health'> = {
  health: (_req, reply) => reply.sendJson(200, { status: 'ok' }),
};
