import Router from '@koa/router';
import { pingDatabase } from '../db/connection.ts';

export function healthRoutes(): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const database = await pingDatabase();
    ctx.status = database ? 200 : 503;
    ctx.body = { status: database ? 'ready' : 'unavailable', database };
  });
  return router;
}
