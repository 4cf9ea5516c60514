// /api/v1/hooks: the outgoing deliveries (pending, delivered, failed) and redelivery of one.
import type Router from '@koa/router';
import { DELIVERY_STATUSES, deliveryDetail, deliveryView, type DeliveryFilter, type DeliveryStatus } from '../../domain/hook-deliveries.js';
import type { HookDeliveryService } from '../../services/hook-delivery.js';
import type { CoreDeps } from '../app-deps.js';

const MAX_LIMIT = 1000;

export function hookRoutes(router: Router, deps: Pick<CoreDeps, 'hooks'>): void {
  const service = (ctx: { throw(status: number, message: string): never }): HookDeliveryService =>
    deps.hooks ?? ctx.throw(404, 'outgoing hooks are not enabled on this server');

  router.get('/hooks/deliveries', (ctx) => {
    const hooks = service(ctx);
    const { hook, status, limit } = ctx.query;
    const filter: DeliveryFilter = {};
    if (typeof hook === 'string' && hook) filter.hook = hook;
    if (typeof status === 'string' && status) {
      if (!(DELIVERY_STATUSES as readonly string[]).includes(status)) ctx.throw(400, `status is one of ${DELIVERY_STATUSES.join(', ')}`);
      filter.status = status as DeliveryStatus;
    }
    if (typeof limit === 'string' && limit) {
      const n = Number(limit);
      if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) ctx.throw(400, `limit is a whole number from 1 to ${MAX_LIMIT}`);
      filter.limit = n;
    }
    ctx.body = { deliveries: hooks.deliveries(filter).map(deliveryView) };
  });

  router.get('/hooks/deliveries/:id', (ctx) => {
    const record = service(ctx).delivery(ctx.params.id ?? '');
    if (!record) return ctx.throw(404, `no delivery "${ctx.params.id}"`);
    ctx.body = deliveryDetail(record);
  });

  router.post('/hooks/deliveries/:id/redeliver', async (ctx) => {
    const record = await service(ctx).redeliver(ctx.params.id ?? '');
    if (!record) return ctx.throw(404, `no delivery "${ctx.params.id}"`);
    ctx.status = 202;
    ctx.body = deliveryView(record);
  });
}
