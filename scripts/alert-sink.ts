// A local stand-in for Slack, PagerDuty and webhook endpoints in docker compose: it logs every
// notification Grafana sends (path and body) and answers 200, so alert routing is visible with
// `docker compose logs -f alert-sink` before real secrets are configured.
import http from 'node:http';

const port = Number(process.env.ALERT_SINK_PORT ?? 9099);

http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let shown = body;
      try {
        shown = JSON.stringify(JSON.parse(body), null, 2);
      } catch {
        // not JSON: log it as received
      }
      console.log(`${new Date().toISOString()} ${request.method} ${request.url}\n${shown}\n`);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  })
  .listen(port, '0.0.0.0', () => console.log(`alert sink listening on :${port}`));
