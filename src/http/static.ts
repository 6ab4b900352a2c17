import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';

const staticDir = new URL('../../views/static/', import.meta.url);
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The few stylesheet, script and icon files the pages use, read once; nothing outside the folder is served. */
export function staticRoutes(): Router {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(fileURLToPath(staticDir))) {
    if (TYPES[extname(name)]) files.set(name, readFileSync(new URL(name, staticDir)));
  }
  const router = new Router();
  // Browsers ask for /favicon.ico whatever the page says; the icon is one SVG.
  router.get('/favicon.ico', (ctx) => {
    ctx.status = 301;
    ctx.redirect('/static/favicon.svg');
  });
  router.get('/static/:file', (ctx) => {
    const body = files.get(ctx.params.file ?? '');
    if (!body) return;
    ctx.type = TYPES[extname(ctx.params.file ?? '')] ?? 'application/octet-stream';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = body;
  });
  return router;
}
