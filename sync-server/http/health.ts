/**
 * Liveness (GET /api/health: the process answers; its shape is a contract) and readiness
 * (GET /api/health/ready: readiness.ts's checks, 200 when all pass, else 503 with the reasons).
 */
import type { Handlers } from './context.ts';

export const healthHandlers: Handlers<'health' | 'healthReady'> = {
  health: (_req, reply) => reply.sendJson(200, { status: 'ok' }),
  async healthReady(_req, reply, ctx) {
    const report = await ctx.readiness.check();
    reply.sendJson(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not_ready', reasons: report.reasons, checks: report.checks });
  },
};
