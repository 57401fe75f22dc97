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
// packages are not installed (make setup installs them). `reportHostname` has the
// tracer name its host on the spans (DD_TRACE_REPORT_HOSTNAME).
export function ddtraceTrace(server, { service = 'shop', env = 'e2e', label = 'ui-e2e', reportHostname = false } = {}) {
  if (!existsSync(join(clients, 'node_modules', 'dd-trace'))) {
    console.log('    (tests/clients/node_modules is missing: traces are not tested; make setup installs it)');
    return null;
  }
  const outText = execFileSync('node', ['ddtrace_spans.js', label], {
    cwd: clients,
    env: { ...process.env, DD_TRACE_AGENT_URL: `http://127.0.0.1:${server.apmPort}`, DD_SERVICE: service, DD_ENV: env, DD_TRACE_STARTUP_LOGS: 'false', ...(reportHostname ? { DD_TRACE_REPORT_HOSTNAME: 'true' } : {}) },
    timeout: 60000,
  }).toString();
  return JSON.parse(outText.split('\n').find((l) => l.startsWith('{"trace_id"'))).trace_id;
}

// Host metrics as the Datadog agent reports them (system.cpu.user, system.mem.used,
// system.load.1) for `host`, one point a minute over the last `minutes` minutes.
export async function loadHostMetrics(server, host, { minutes = 40 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const series = [];
  for (const [metric, level, swing] of [['system.cpu.user', 35, 15], ['system.mem.used', 4.2e9, 0.4e9], ['system.load.1', 1.4, 0.6]]) {
    const points = [];
    for (let i = minutes; i >= 0; i--) points.push([now - i * 60, level + swing * Math.sin(i / 4)]);
    series.push({ metric, type: 'gauge', host, points, tags: ['env:e2e'] });
  }
  await server.post('/api/v1/series', { series });
}

// Waits until the trace holds `count` spans; returns them.
export async function waitForTrace(server, traceId, count) {
  for (let i = 0; ; i++) {
    const r = await fetch(`${server.base}/api/v1/traces/${traceId}`);
    if (r.status === 200) {
      const spans = (await r.json()).data.spans;
      if (spans.length >= count) return spans;
    }
    if (i > 300) throw new Error(`trace ${traceId} did not reach ${count} spans`);
    await sleep(200);
  }
}

// One trace of `count` spans (a root, 30 children, the rest nested under them) from the
// real dd-trace client, service `service`; returns its trace id, or null without the
// client packages.
export function ddtraceLargeTrace(server, { service = 'batch', count = 1500 } = {}) {
  if (!existsSync(join(clients, 'node_modules', 'dd-trace'))) return null;
  const script = `
    const tracer = require('dd-trace').init({ flushInterval: 100, startupLogs: false });
    const n = ${Number(count)};
    let made = 1;
    const out = {};
    tracer.trace('batch.run', { resource: 'nightly batch' }, (root) => {
      out.trace_id = root.context().toTraceId(true);
      for (let c = 0; c < 30 && made < n; c++) {
        tracer.trace('batch.step', { resource: 'step ' + c }, () => {
          made++;
          for (let i = 0; made < n && i < Math.ceil((n - 31) / 30); i++) {
            tracer.trace(i % 2 ? 'db.query' : 'cache.get', { resource: (i % 2 ? 'SELECT row ' : 'GET key ') + i, service: i % 2 ? '${service}-db' : '${service}-cache' }, () => { made++; });
          }
        });
      }
    });
    process.stdout.write(JSON.stringify(out) + '\\n');
  `;
  const outText = execFileSync('node', ['-e', script], {
    cwd: clients,
    env: { ...process.env, DD_TRACE_AGENT_URL: `http://127.0.0.1:${server.apmPort}`, DD_SERVICE: service, DD_ENV: 'e2e', DD_TRACE_STARTUP_LOGS: 'false' },
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
