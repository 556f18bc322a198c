/**
 * Liveness (GET /api/health: the process answers; its shape is a contract) and readiness
 * (GET /api/health/ready: readiness.ts's checks, 200 when all pass, else 503 with the reasons).
 */
import type { Handlers } from './context.ts';

export const healthHandlers: Handlers<'health' | 'healthReady'> = {
  health: (_req, reply) => reply.sendJson(200, { status: 'ok' }),
  async healthReady(req, reply, ctx) {
    const report = await ctx.readiness.check();
    // scope=node: what a load balancer asks. The e-mail and SMS gateways are the same for every
    // node: their failure says nothing about this one, and taking every node out for it would stop
    // calls and dossiers for a delivery problem. Still reported in `checks`.
    const ready = req.readQuery().scope === 'node' ? report.nodeReady : report.ready;
    reply.sendJson(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', reasons: report.reasons, checks: report.checks });
  },
};
