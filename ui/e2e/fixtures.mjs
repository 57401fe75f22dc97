// Data the browser tests load through heeler's intake, as real clients would send it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clients, sleep } from './harness.mjs';

// Three hosts of `ui.cpu` gauges, one point a minute over the last 50 minutes.
export async function loadCpuSeries(server, { metric = 'ui.cpu', minutes = 50 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const series = [];
  for (const [host, level] of [['web-1', 20], ['web-2', 45], ['db-1', 70]]) {
    const points = [];
    for (let i = minutes; i >= 1; i--) points.push([now - i * 60, level + 10 * Math.sin(i / 5 + level)]);
    series.push({ metric, type: 'gauge', host, points, tags: ['env:prod', `role:${host.split('-')[0]}`, `service:${host.split('-')[0]}`] });
  }
  await server.post('/api/v1/series', { series });
}

// `count` logs over the last 50 minutes from services web, api and db; a sixth are
// errors ("Payment timeout"), every tenth names a trace id.
export async function loadLogs(server, count) {
  const services = ['web', 'api', 'db'];
  const statuses = ['info', 'info', 'info', 'warn', 'error', 'debug'];
  const startMs = Date.now() - 50 * 60 * 1000;
  for (let b = 0; b < count; b += 1500) {
    const batch = [];
    for (let i = b; i < Math.min(count, b + 1500); i++) {
      const service = services[i % 3];
      const status = statuses[Math.floor(i / 3) % statuses.length];
      batch.push({
        service,
        hostname: `${service}-${(i % 2) + 1}`,
        status,
        message: status === 'error' ? `Payment timeout for order ${i}` : `order ${i} handled in ${i % 97} ms`,
        ddtags: `env:prod,team:${i % 2 ? 'pay' : 'shop'}`,
        http: { status_code: status === 'error' ? 503 : 200, method: i % 4 ? 'GET' : 'POST' },
        duration: (i % 97) * 1e6,
        trace_id: i % 10 === 0 ? `${1000 + i}` : undefined,
        timestamp: startMs + Math.floor((i * 50 * 60 * 1000) / count),
      });
    }
    await server.post('/api/v2/logs', batch);
  }
}

// Waits until at least `count` logs are searchable.
export async function waitForLogs(server, count) {
  for (let i = 0; ; i++) {
    const r = await server.post('/api/v2/logs/analytics/aggregate', { compute: [{ aggregation: 'count' }], filter: { query: '*', from: 'now-2h', to: 'now' } });
    const n = Number(r.data.buckets[0]?.computes?.c0 ?? 0);
    if (n >= count) return;
    if (i > 300) throw new Error(`only ${n} logs became searchable`);
    await sleep(200);
  }
}

// Sends one trace of four spans (one an error) from the real dd-trace client in
// tests/clients with service `service`; returns its trace id, or null when the client
// packages are not installed (make setup installs them).
export function ddtraceTrace(server, { service = 'shop', env = 'e2e', label = 'ui-e2e' } = {}) {
  if (!existsSync(join(clients, 'node_modules', 'dd-trace'))) {
    console.log('    (tests/clients/node_modules is missing: traces are not tested; make setup installs it)');
    return null;
  }
  const outText = execFileSync('node', ['ddtrace_spans.js', label], {
    cwd: clients,
    env: { ...process.env, DD_TRACE_AGENT_URL: `http://127.0.0.1:${server.apmPort}`, DD_SERVICE: service, DD_ENV: env, DD_TRACE_STARTUP_LOGS: 'false' },
    timeout: 60000,
  }).toString();
  return JSON.parse(outText.split('\n').find((l) => l.startsWith('{"trace_id"'))).trace_id;
}

// `metric` gauges for `hosts` over the last `hours`, one point every `stepS` seconds
// (a daily cycle plus a per-host level), sent in batches; for day-long dashboards and
// the previous-day comparison.
export async function loadDaySeries(server, { metric = 'ui.requests', hosts = ['web-1', 'web-2', 'db-1'], hours = 26, stepS = 60 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const n = Math.floor((hours * 3600) / stepS);
  for (const [k, host] of hosts.entries()) {
    const points = [];
    for (let i = n; i >= 1; i--) {
      const t = now - i * stepS;
      points.push([t, 100 + 40 * k + 30 * Math.sin((2 * Math.PI * t) / 86400) + 8 * Math.sin(t / 900 + k)]);
    }
    const service = host.split('-')[0];
    await server.post('/api/v1/series', { series: [{ metric, type: 'gauge', host, points, tags: ['env:prod', `service:${service}`] }] });
  }
}
