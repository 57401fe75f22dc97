// The trace explorer and the trace view, in Chromium against a real `heeler serve` fed
// by the dd-trace client, the logs intake and the series intake.
//   node e2e/traces.mjs <path to heeler>
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { clients, out, runSpec, sleep, step } from './harness.mjs';
import { ddtraceLargeTrace, ddtraceTrace, loadHostMetrics, waitForLogs, waitForTrace } from './fixtures.mjs';

if (!existsSync(join(clients, 'node_modules', 'dd-trace'))) {
  console.log('SKIP: tests/clients/node_modules is missing (make setup installs it); the trace explorer needs traces from dd-trace');
  process.exit(77);
}

// "0.98 ms" → nanoseconds, as the list shows durations.
const ns = (text) => {
  const m = /([\d.]+)\s*(ns|µs|ms|s)/.exec(text);
  return Number(m[1]) * { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 }[m[2]];
};

await runSpec('traces', {
  async load(server) {
    // Three traces of four spans each from the real client: two of service shop, one
    // of billing; every one has a failing span ("payment declined").
    const traceId = ddtraceTrace(server, { service: 'shop', label: 'traces-1', reportHostname: true });
    const billing = ddtraceTrace(server, { service: 'billing', label: 'traces-2' });
    const other = ddtraceTrace(server, { service: 'shop', label: 'traces-3' });
    // And one large trace, of 1,500 spans over three services.
    const large = ddtraceLargeTrace(server, { service: 'batch', count: 1500 });
    const spans = await waitForTrace(server, traceId, 4);
    await waitForTrace(server, large, 1500);
    await waitForTrace(server, billing, 4);
    await waitForTrace(server, other, 4);
    const failing = spans.find((s) => s.status === 'error');
    assert.ok(failing.host, 'the tracer names its host');
    const root = spans.find((s) => s.parent_id === '0');
    // Logs that name the trace: one from the failing span, one from the root.
    const now = Date.now();
    await server.post('/api/v2/logs', [
      { service: 'shop', hostname: failing.host, status: 'error', message: 'card payment declined by the bank', trace_id: traceId, span_id: failing.span_id, timestamp: now - 500 },
      { service: 'shop', hostname: root.host, status: 'info', message: 'checkout started for cart 42', trace_id: traceId, span_id: root.span_id, timestamp: now - 800 },
    ]);
    await loadHostMetrics(server, failing.host);
    await waitForLogs(server, 2);
    return { traceId, failing, root, host: failing.host, large };
  },
  async body({ server, page, traceId, failing, host, large }) {
    const { base } = server;
    const rows = '.trace-row[data-trace-id]';
    const countOf = (sel) => page.locator(sel).count();

    const search = page.getByLabel('Search');
    step('span search: the nav leads to the trace explorer, spans listed with hits and facets');
    await page.goto(`${base}/logs?t=1h`);
    await page.click('.nav-link[href="/apm/traces"]');
    await page.waitForURL(/\/apm\/traces\?t=1h$/);
    assert.equal(await page.locator('.nav-link.active').textContent(), '⇶APM / Traces');
    // Every span is listed, the large trace's too, page after page as the list scrolls.
    await page.waitForFunction(() => Number(document.querySelector('.list-count')?.dataset.loaded) === 200);
    await page.locator('.trace-list').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.waitForFunction(() => Number(document.querySelector('.list-count').dataset.loaded) === 400);
    assert.ok((await countOf('.trace-row[data-id]')) < 80, 'only the rows in view are in the page');
    await search.fill('-service:batch*');
    await search.press('Enter');
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 12, rows);
    await page.waitForSelector('.histogram .uplot canvas');
    assert.match(await page.locator('.chart-title').textContent(), /12 hits · 3 errors/);
    await page.waitForSelector('.facet[data-facet="service"] .facet-value[data-value="shop"]');
    assert.equal(await page.locator('.facet[data-facet="service"] .facet-value[data-value="shop"] .fv-count').textContent(), '8');
    assert.equal(await page.locator('.facet[data-facet="service"] .facet-value[data-value="billing"] .fv-count').textContent(), '4');
    for (const f of ['resource_name', 'status', 'env', '@http.status_code']) assert.equal(await countOf(`.facet[data-facet="${f}"]`), 1, `facet ${f}`);

    step('span search: a typed query, then a facet value narrows it');
    await search.fill('service:shop');
    await search.press('Enter');
    await page.waitForFunction((sel) => {
      const r = [...document.querySelectorAll(sel + ' .c-service')];
      return r.length === 8 && r.every((e) => e.textContent === 'shop');
    }, rows);
    await page.waitForFunction(() => document.querySelector('.facet[data-facet="status"] .facet-value[data-value="error"] .fv-count')?.textContent === '2');
    await page.click('.facet[data-facet="status"] .facet-value[data-value="error"]');
    await page.waitForFunction(() => document.querySelector('.search-input').value === 'service:shop status:error');
    await page.waitForFunction((sel) => {
      const r = [...document.querySelectorAll(sel)];
      return r.length === 2 && r.every((e) => e.querySelector('.status-pill.error') && e.querySelector('.c-resource').textContent === 'do_fail');
    }, rows);
    assert.match(decodeURIComponent(page.url()), /q=service:shop(\+| )status:error/);
    await page.screenshot({ path: join(out, 'traces-search.png') });

    step('trace list: one row per trace, sorted by duration');
    await search.fill('-service:batch*');
    await search.press('Enter');
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 12, rows);
    await page.click('.seg[data-mode="traces"]');
    await page.waitForURL(/list=traces/);
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3 && !document.querySelector('.trace-row[data-id]'), rows);
    assert.equal(await page.locator('.trace-head').textContent(), 'DateRoot serviceRoot resourceDurationSpansErrors');
    const services = (await page.locator(`${rows} .c-service`).allTextContents()).sort();
    assert.deepEqual(services, ['billing', 'shop', 'shop']);
    for (const n of await page.locator(`${rows} .c-num`).allTextContents()) assert.ok(n === '4' || n === '1', `span and error counts (${n})`);
    await page.click('.trace-head .sort-head');
    await page.waitForURL(/sort=-duration/);
    let durations = (await page.locator(`${rows} .c-dur`).allTextContents()).map(ns);
    assert.deepEqual(durations, durations.slice().sort((a, b) => b - a), 'longest first');
    await page.click('.trace-head .sort-head');
    await page.waitForURL(/sort=duration/);
    durations = (await page.locator(`${rows} .c-dur`).allTextContents()).map(ns);
    assert.deepEqual(durations, durations.slice().sort((a, b) => a - b), 'shortest first');
    await page.screenshot({ path: join(out, 'traces-list.png') });
    // The link reproduces the view.
    await page.reload();
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, rows);
    assert.equal(await page.locator('.seg.active').textContent(), 'Traces');
    assert.equal(await page.locator('.sort-head').getAttribute('aria-sort'), 'ascending');

    step('trace view: a row opens the trace, waterfall and flame graph draw all four spans');
    await page.click(`${rows}[data-trace-id="${traceId}"]`);
    await page.waitForURL(new RegExp(`/apm/traces/${traceId}`));
    await page.waitForFunction(() => document.querySelectorAll('.span-row').length === 4);
    assert.equal(await countOf('.span-row.span-error'), 1);
    assert.match(await page.locator('.trace-summary').textContent(), /4 spans/);
    assert.match(await page.locator('.legend-item[data-service="shop"]').textContent(), /shop100\.0%/);
    await page.click('.trace-tabs .tab[data-view="flame"]');
    await page.waitForURL(/view=flame/);
    const canvas = page.locator('.flame-canvas');
    await canvas.waitFor();
    assert.equal(await canvas.getAttribute('data-bars'), '4');
    assert.equal(await canvas.getAttribute('data-drawn'), '4');
    // Bars are on the canvas: pixels of the first service colour (#3d6fd9) on every row
    // (the tracer's millisecond start times can make siblings overlap: then they stack).
    const rowsDrawn = await canvas.evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const rowH = c.height / (c.clientHeight / 22);
      const hit = new Set();
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - 61) < 40 && Math.abs(d[i + 1] - 111) < 40 && Math.abs(d[i + 2] - 217) < 40) hit.add(Math.floor(i / 4 / c.width / rowH));
      }
      return [...hit].sort();
    });
    const depth = Math.round((await canvas.evaluate((c) => c.clientHeight)) / 22);
    assert.ok(depth >= 3 && depth <= 4, `three or four rows (${depth})`);
    assert.deepEqual(rowsDrawn, [...Array(depth).keys()], 'bars on every row');
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 11);
    await page.waitForSelector('.flame-tip:not([hidden])');
    assert.match(await page.locator('.flame-tip').textContent(), /GET \/checkout\/:id/);
    await page.screenshot({ path: join(out, 'traces-flame.png') });

    step('span detail: the failing span, found by hovering the flame graph, shows its error and stack');
    let found = false;
    for (let row = 1; row < depth && !found; row++) {
      for (let x = box.x + 2; x < box.x + box.width; x += 6) {
        await page.mouse.move(x, box.y + 22 * row + 11);
        const tip = await page.evaluate(() => (document.querySelector('.flame-tip').hidden ? '' : document.querySelector('.flame-tip-title').textContent));
        if (tip === 'do_fail') {
          await page.mouse.click(x, box.y + 22 * row + 11);
          found = true;
          break;
        }
      }
    }
    assert.ok(found, 'the failing span is a bar of the flame graph');
    await page.waitForURL(new RegExp(`sel=${failing.span_id}`));
    await page.waitForSelector('.span-detail:not([hidden])');
    assert.match(await page.locator('.span-head-resource').textContent(), /do_fail/);
    assert.deepEqual(await page.locator('.span-detail .tab').allTextContents(), ['Tags', 'Errors', 'Logs', 'Host metrics']);
    await page.click('.span-detail .tab[data-tab="errors"]');
    await page.waitForURL(/tab=errors/);
    assert.equal(await page.locator('.span-err-type').textContent(), 'TypeError');
    assert.equal(await page.locator('.span-err-message').textContent(), 'payment declined');
    assert.match(await page.locator('.span-stack').textContent(), /^TypeError: payment declined\n\s+at /);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(out, 'traces-errors.png') });

    step('span detail: the Logs tab lists the trace\'s logs, the span\'s own first');
    await page.click('.span-detail .tab[data-tab="logs"]');
    await page.waitForFunction(() => document.querySelectorAll('.span-log').length === 2);
    assert.match(await page.locator('.detail-section', { hasText: 'Logs of this span' }).textContent(), /\(1\)/);
    assert.equal(await page.locator('.span-log .span-log-msg').first().textContent(), 'card payment declined by the bank');
    await page.screenshot({ path: join(out, 'traces-logs.png') });

    step('span detail: the Host metrics tab charts the host around the span');
    await page.click('.span-detail .tab[data-tab="metrics"]');
    await page.waitForFunction(() => document.querySelectorAll('.host-chart .uplot canvas').length >= 3, null, { timeout: 15000 });
    assert.deepEqual(await page.locator('.host-chart').evaluateAll((els) => els.map((e) => e.dataset.metric)), ['system.cpu.user', 'system.mem.used', 'system.load.1']);
    assert.match(await page.locator('.tab-body[data-tab="metrics"] .hint').first().textContent(), new RegExp(host));
    await page.screenshot({ path: join(out, 'traces-metrics.png') });

    step('a copied trace URL opens the same span and tab; the log link selects the log');
    {
      const page2 = await page.context().newPage();
      await page2.goto(page.url());
      await page2.waitForSelector('.host-chart .uplot canvas', { timeout: 15000 });
      assert.equal(await page2.locator('.span-detail .tab.active').textContent(), 'Host metrics');
      await page2.click('.span-detail .tab[data-tab="logs"]');
      await page2.waitForSelector('.span-log');
      await page2.locator('.span-log').first().click();
      await page2.waitForURL(/\/logs\?/);
      await page2.waitForSelector('.detail:not([hidden])');
      assert.equal(await page2.locator('.detail-message').textContent(), 'card payment declined by the bank');
      await page2.close();
    }

    step('span detail: a host without metrics says so');
    await page.route('**/api/v1/query?**', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"status":"ok","series":[]}' }));
    await page.reload();
    await page.waitForSelector('.no-metrics');
    assert.match(await page.locator('.no-metrics').textContent(), new RegExp(`No metrics for host ${host}`));
    await page.unroute('**/api/v1/query?**');

    step('span detail: a tag filters the span search');
    await page.click('.span-detail .tab[data-tab="tags"]');
    await page.click('.trace-tabs .tab[data-view="waterfall"]');
    await page.locator('.span-row').first().click();
    await page.waitForSelector('.span-detail .attr[data-key="company_id"]');
    await page.screenshot({ path: join(out, 'traces-tags.png') });
    await page.click('.span-detail .attr[data-key="company_id"]');
    await page.waitForURL(/\/apm\/traces\?/);
    assert.equal(await search.inputValue(), '@company_id:acme-co');
    await page.waitForFunction((sel) => {
      const r = [...document.querySelectorAll(sel + ' .c-resource')];
      return r.length === 3 && r.every((e) => e.textContent === 'GET /checkout/:id');
    }, rows);

    step('span search: a syntax error is shown at its position');
    await search.fill('service:(shop OR billing');
    await search.press('Enter');
    await page.waitForSelector('.search-error .syntax-error');
    assert.match(await page.locator('.search-error .syntax-message').textContent(), /^At \d+: /);
    assert.equal(await countOf('.search-error .syntax-where mark'), 1);
    await page.screenshot({ path: join(out, 'traces-syntax-error.png') });

    step('an unknown trace id reads as not found');
    await page.goto(`${base}/apm/traces/0123456789abcdef0123456789abcdef`);
    await page.waitForSelector('.not-found');
    assert.equal(await page.locator('.not-found-title').textContent(), 'Trace not found');
    await page.goto(`${base}/apm/traces/not-a-trace`);
    await page.waitForSelector('.not-found');
    await page.screenshot({ path: join(out, 'traces-not-found.png') });

    step('an API failure shows the error with Retry');
    await page.route('**/api/v2/spans/events/search', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"errors":["the store is not ready"]}' }));
    await page.goto(`${base}/apm/traces?q=${encodeURIComponent('-service:batch*')}&t=1h`);
    await page.waitForSelector('.list-status .error-box button');
    assert.match(await page.locator('.list-status .error-box').textContent(), /the store is not ready/);
    await page.unroute('**/api/v2/spans/events/search');
    await page.click('.list-status .error-box button');
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 12, rows);

    step('a trace of 1,500 spans: the flame graph draws every span quickly');
    {
      const t = Date.now();
      await page.goto(`${base}/apm/traces/${large}?t=1h&view=flame`);
      await page.waitForFunction(() => document.querySelector('.flame-canvas')?.dataset.drawn === '1500', null, { timeout: 20000 });
      const ms = Date.now() - t;
      console.log(`    1,500 spans loaded and drawn in ${ms} ms`);
      assert.ok(ms < 8000, `drawn in ${ms} ms`);
      assert.equal(await countOf('.legend-item'), 3);
      const c = page.locator('.flame-canvas');
      const b = await c.boundingBox();
      // Redrawing on hover stays fast: a sweep of 20 moves over the bars.
      const t2 = Date.now();
      for (let i = 0; i < 20; i++) await page.mouse.move(b.x + (b.width * i) / 20, b.y + 22 + 11);
      const sweep = Date.now() - t2;
      console.log(`    20 hover redraws in ${sweep} ms`);
      assert.ok(sweep < 4000, `hover sweep in ${sweep} ms`);
      await page.screenshot({ path: join(out, 'traces-large-flame.png') });
      await page.mouse.move(0, 0);
    }

    step('the other theme');
    await page.goto(`${base}/apm/traces?q=${encodeURIComponent('-service:batch*')}&t=1h`);
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 12, rows);
    await page.click('.theme-toggle');
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.waitForSelector('.histogram .uplot canvas');
    await sleep(300);
    await page.screenshot({ path: join(out, `traces-search-${theme}.png`) });
    await page.goto(`${base}/apm/traces/${traceId}?t=1h&view=flame&sel=${failing.span_id}&tab=errors`);
    await page.waitForSelector('.span-stack');
    await page.screenshot({ path: join(out, `traces-flame-${theme}.png`) });
    await page.goto(`${base}/apm/traces/${traceId}?t=1h&sel=${failing.span_id}&tab=metrics`);
    await page.waitForSelector('.host-chart .uplot canvas', { timeout: 15000 });
    await page.screenshot({ path: join(out, `traces-metrics-${theme}.png`) });
    // Back to the light theme for the next run (the profile is thrown away anyway).
    await page.click('.theme-toggle');
  },
});
