// A local stand-in for Slack, PagerDuty and webhook endpoints in docker compose: it logs every
// notification Grafana sends (path and body) and answers as the real service would, so alert routing is
// visible with `docker compose logs -f alert-sink` before real secrets are configured.
// /pagerduty speaks the PagerDuty Events API v2 (POST /v2/enqueue): it logs the page and answers 202.
import http from 'node:http';

const port = Number(process.env.ALERT_SINK_PORT ?? 9099);

interface PagerDutyEvent {
  routing_key?: string;
  event_action?: string;
  dedup_key?: string;
  payload?: { summary?: string; severity?: string; source?: string };
}

/** Events API v2 answer: 202 with the dedup key, or 400 for a body that is not an event. */
function pagerDuty(body: string): { status: number; answer: object; log: string } {
  let event: PagerDutyEvent;
  try {
    event = JSON.parse(body) as PagerDutyEvent;
  } catch {
    return {
      status: 400,
      answer: { status: 'invalid event', message: 'Event object is invalid' },
      log: 'invalid JSON',
    };
  }
  const action = event.event_action;
  if (!event.routing_key || !['trigger', 'acknowledge', 'resolve'].includes(action ?? '') || !event.dedup_key) {
    return {
      status: 400,
      answer: { status: 'invalid event', message: 'Event object is invalid' },
      log: 'not an event',
    };
  }
  if (action === 'trigger' && !event.payload?.summary) {
    return { status: 400, answer: { status: 'invalid event', message: 'payload.summary missing' }, log: 'no summary' };
  }
  // The routing key is a secret: never logged.
  const summary = event.payload?.summary ?? '';
  return {
    status: 202,
    answer: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key },
    log: `PAGE ${action} severity=${event.payload?.severity ?? '-'} dedup_key=${event.dedup_key} ${summary}`,
  };
}

http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const stamp = `${new Date().toISOString()} ${request.method} ${request.url}`;
      response.setHeader('content-type', 'application/json');
      if (request.url?.startsWith('/pagerduty')) {
        const { status, answer, log } = pagerDuty(body);
        console.log(`${stamp} ${status} ${log}\n`);
        response.writeHead(status);
        response.end(JSON.stringify(answer));
        return;
      }
      let shown = body;
      try {
        shown = JSON.stringify(JSON.parse(body), null, 2);
      } catch {
        // not JSON: log it as received
      }
      console.log(`${stamp}\n${shown}\n`);
      response.writeHead(200);
      response.end('{"ok":true}');
    });
  })
  .listen(port, '0.0.0.0', () => console.log(`alert sink listening on :${port}`));
