import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
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
  // The browser half of the WebAuthn library, as its authors bundle it (a global SimpleWebAuthnBrowser).
  const webauthn = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  files.set('simplewebauthn-browser.js', readFileSync(join(dirname(webauthn), '../dist/bundle/index.umd.min.js')));
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
