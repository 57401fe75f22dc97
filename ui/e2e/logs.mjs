// The log explorer's analytic views (top list, timeseries, table) and histogram zoom,
// in Chromium against a real `heeler serve`; with --perf, scrolling through 100K
// loaded logs, its frame times written to test-output/perf-logs.json.
//   node e2e/logs.mjs <path to heeler> [--perf]
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { out, perf, runSpec, sleep, step } from './harness.mjs';
import { loadLogs, waitForLogs } from './fixtures.mjs';

const LOGS = perf ? 102_000 : 3_000;

await runSpec('logs', {
  async load(server) {
    const t0 = Date.now();
    await loadLogs(server, LOGS);
    await waitForLogs(server, LOGS);
    console.log(`    ${LOGS} logs loaded and searchable in ${Date.now() - t0} ms`);
  },
  async body({ server, page }) {
    const { base } = server;
    const groups = () => page.locator('.la-panel').getAttribute('data-groups');

    step('top list: count of logs by service');
    await page.goto(`${base}/logs?t=1h`);
    await page.waitForSelector('.log-row[data-id]');
    await page.click('.viz-btn[data-viz="toplist"]');
    await page.waitForURL(/viz=toplist/);
    await page.fill('.la-by >> nth=0', 'service');
    await page.press('.la-by >> nth=0', 'Enter');
    await page.locator('.la-by').nth(0).blur();
    await page.waitForURL(/by=service/);
    await page.waitForFunction(() => document.querySelectorAll('.top-row').length === 3);
    const facet = await server.get(`/api/v1/facets/logs?query=*&from=${Date.now() - 3600e3}&to=${Date.now()}&facet=service`);
    const expected = Object.fromEntries(facet.values.map((v) => [v.value, v.count]));
    const top = await page.$$eval('.top-row', (els) => els.map((e) => [e.dataset.group, Number(e.dataset.value)]));
    assert.deepEqual(Object.fromEntries(top), expected);
    for (const [, n] of top) assert.equal(n, LOGS / 3);
    await page.screenshot({ path: join(out, 'logs-toplist.png') });

    step('timeseries: one line per service');
    await page.click('.viz-btn[data-viz="timeseries"]');
    await page.waitForSelector('.la-chart .uplot canvas');
    assert.equal(await groups(), '3');
    const legend = await page.$$eval('.la-chart .u-legend .u-series .u-label', (els) => els.map((e) => e.textContent));
    assert.deepEqual(legend.slice(1).sort(), ['api', 'db', 'web']);
    await page.screenshot({ path: join(out, 'logs-timeseries.png') });

    step('table: by service then status, sorted by service');
    await page.click('.viz-btn[data-viz="table"]');
    await page.fill('.la-by >> nth=1', 'status');
    await page.press('.la-by >> nth=1', 'Enter');
    await page.locator('.la-by').nth(1).blur();
    await page.waitForURL(/by=service%2Cstatus|by=service,status/);
    await page.waitForSelector('.la-table tbody tr');
    await page.click('.th-btn[data-col="service"]');
    await page.waitForURL(/tsort=service/);
    const order = await page.$$eval('.la-table tbody tr td:first-child', (els) => els.map((e) => e.textContent));
    assert.deepEqual(order, order.slice().sort());
    assert.ok(order.length >= 6, `${order.length} groups`);
    await page.click('.th-btn[data-col="value"]');
    const values = await page.$$eval('.la-table tbody tr', (els) => els.map((e) => Number(e.dataset.value)));
    assert.deepEqual(values, values.slice().sort((a, b) => b - a));
    await page.screenshot({ path: join(out, 'logs-table.png') });

    step('a click on a group filters the list on it');
    const row = page.locator('.la-table tbody tr').first();
    const group = await row.getAttribute('data-group');
    const [svc, status] = group.split(' · ');
    await row.click();
    await page.waitForSelector('.log-row[data-id]');
    assert.doesNotMatch(page.url(), /viz=/);
    assert.equal(await page.inputValue('.search-input'), `service:${svc} status:${status}`);
    await page.waitForFunction((s) => {
      const rows = [...document.querySelectorAll('.log-row[data-id] .c-service')];
      return rows.length > 0 && rows.every((r) => r.textContent === s);
    }, svc);

    step('histogram: a drag zooms to that range');
    await page.goto(`${base}/logs?t=1h`);
    await page.waitForSelector('.histogram .uplot .u-over');
    await page.waitForSelector('.log-row[data-id]');
    const box = await page.locator('.histogram .u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForURL(/from=\d+&to=\d+/);
    const u = new URL(page.url());
    const from = Number(u.searchParams.get('from'));
    const to = Number(u.searchParams.get('to'));
    assert.ok(to > from && to - from < 30 * 60e3, `zoomed to ${to - from} ms`);
    await page.waitForSelector('.zoom-reset:not([hidden])');
    await page.waitForFunction(() => document.querySelector('.list-count')?.dataset.loaded !== undefined);
    const count = await server.post('/api/v2/logs/analytics/aggregate', { compute: [{ aggregation: 'count' }], filter: { query: '*', from: String(from), to: String(to) } });
    const inRange = Number(count.data.buckets[0]?.computes?.c0 ?? 0);
    assert.ok(inRange > 0 && inRange < LOGS, `${inRange} logs in the zoomed range`);
    const times = await page.$$eval('.log-row[data-id] .c-time', (els) => els.map((e) => new Date(e.textContent.replace(' ', 'T')).getTime()));
    assert.ok(times.length > 0 && times.every((t) => t >= from - 1 && t <= to + 1), 'the list shows only the zoomed range');
    await page.screenshot({ path: join(out, 'logs-zoomed.png') });
    await page.click('.zoom-reset');
    await page.waitForURL(/t=1h/);

    step('both themes');
    await page.goto(`${base}/logs?t=1h&viz=toplist&by=service,status`);
    await page.waitForSelector('.top-row');
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.click('.theme-toggle');
    await page.waitForSelector('.top-row');
    await page.screenshot({ path: join(out, `logs-toplist-${theme === 'dark' ? 'light' : 'dark'}.png`) });
    await page.goto(`${base}/logs?t=1h&viz=timeseries&by=service&agg=avg:@duration`);
    await page.waitForSelector('.la-chart .uplot canvas');
    await page.screenshot({ path: join(out, `logs-timeseries-${theme === 'dark' ? 'light' : 'dark'}.png`) });
    await page.click('.theme-toggle');

    if (!perf) return;
    step(`perf: scroll through ${LOGS} loaded logs`);
    await page.goto(`${base}/logs?t=1h&live=0`);
    await page.waitForSelector('.log-row[data-id]');
    const t0 = Date.now();
    let loaded = 0;
    for (let i = 0; loaded < LOGS; i++) {
      assert.ok(i < 20000, `loading stalled at ${loaded}`);
      await page.locator('.log-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await sleep(20);
      loaded = Number(await page.locator('.list-count').getAttribute('data-loaded'));
    }
    const loadMs = Date.now() - t0;
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    // Continuous scrolls driven from requestAnimationFrame, each frame's interval timed.
    const run = (pxPerFrame, ms) =>
      page.evaluate(
        ({ pxPerFrame, ms }) =>
          new Promise((resolve) => {
            const el = document.querySelector('.log-list');
            el.scrollTop = 0;
            const gaps = [];
            let last = performance.now();
            const start = last;
            const tick = (now) => {
              gaps.push(now - last);
              last = now;
              el.scrollTop = (el.scrollTop + pxPerFrame) % (el.scrollHeight - el.clientHeight);
              if (now - start < ms) requestAnimationFrame(tick);
              else resolve({ gaps: gaps.slice(1), px: el.scrollHeight, dom: document.querySelectorAll('.log-row').length });
            };
            requestAnimationFrame(tick);
          }),
        { pxPerFrame, ms },
      );
    const stats = (gaps) => {
      const s = gaps.slice().sort((a, b) => a - b);
      const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
      const dropped = gaps.reduce((n, g) => n + Math.max(0, Math.round(g / (1000 / 60)) - 1), 0);
      return { frames: gaps.length, medianMs: +q(0.5).toFixed(2), p95Ms: +q(0.95).toFixed(2), maxMs: +s[s.length - 1].toFixed(2), // Longer than one 60 Hz frame, with 5% for timer jitter around 16.67 ms.
      overOneFrame: +(gaps.filter((g) => g > (1000 / 60) * 1.05).length / gaps.length).toFixed(4), droppedFrames: dropped };
    };
    const results = {};
    // Steady reading speed (~2 rows a frame), then a fling through all 100K rows in 5 s.
    for (const [name, px] of [['steady_52px_per_frame', 52], ['fling_all_rows_in_5s', Math.ceil((LOGS * 26) / 300)]]) {
      const r = await run(px, 5000);
      results[name] = { pxPerFrame: px, ...stats(r.gaps), rowElements: r.dom };
      console.log(`    ${name}: ${JSON.stringify(results[name])}`);
    }
    const report = { rows: loaded, pagesLoadMs: loadMs, usedJSHeapBytes: heap, viewport: '1400x860', browser: 'Debian chromium, headless=new, --disable-gpu', ...results };
    writeFileSync(join(out, 'perf-logs.json'), JSON.stringify(report, null, 2) + '\n');
    for (const r of Object.values(results)) assert.ok(r.rowElements < 120, 'only the visible rows exist');
  },
});
