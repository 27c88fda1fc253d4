/* global process, console, Buffer, Request, Response */
// Stands in for `next start` so the example runs without Next.js: serves the route module over node:http.
import { createServer } from 'node:http';
import * as route from './app/api/[...settled]/route.mjs';

const port = Number(process.env.PORT ?? 3000);
createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers: Object.entries(req.headers).filter(([, value]) => typeof value === 'string'),
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
  const handler = req.url.startsWith('/api/') ? route[req.method] : undefined;
  const response = handler ? await handler(request) : new Response('not found', { status: 404 });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
