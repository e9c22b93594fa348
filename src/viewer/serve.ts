import { createServer, type Server } from 'node:http';

/**
 * Serve one page on the loopback interface (never on every interface: a counterexample is
 * nobody else's business), on `port` (0: any free one). Every path gets the page, except
 * /favicon.ico (404). Resolves with the URL once listening.
 */
export function serveViewer(html: string, port = 0): Promise<{ url: string; server: Server }> {
  const body = Buffer.from(html, 'utf8');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (req.url === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ url: `http://127.0.0.1:${p}/`, server });
    });
  });
}
