import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * An HTTP server that answers from the moment its port opens: until `ready` hands it the
 * application, every request gets a plain 503 with Retry-After, never silence (issue 24: a health
 * check sent between `listen` and the handler waited 14 minutes). Used by the service and the demo
 * front end, which must listen first to learn the port their addresses are built from.
 */
export function startingServer(): { server: Server; ready(handler: RequestListener): void } {
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, {
      'Retry-After': '1',
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
    });
    res.end('starting\n');
  });
  return {
    server,
    ready(next) {
      handler = next;
    },
  };
}
