// The metrics and log explorers, the shell (time picker, theme, shareable URLs) and the
// server's handling of the app's routes, in Chromium against a real `heeler serve`.
//   node e2e/explorers.mjs <path to heeler> [--perf]
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { out, perf, runSpec, sleep, step } from './harness.mjs';
import { ddtraceTrace, loadCpuSeries, loadLogs, waitForLogs } from './fixtures.mjs';

const LOGS = 10_500;

await runSpec('explorers', {
  async load(server) {
    await loadCpuSeries(server);
    await loadLogs(server, LOGS);
    // A trace from the real dd-trace client, and a log that names it.
    const traceId = ddtraceTrace(server);
    if (traceId) await server.post('/api/v2/logs', [{ service: 'shop', hostname: 'shop-1', status: 'info', message: 'checkout traced', trace_id: traceId, timestamp: Date.now() - 1000 }]);
    await waitForLogs(server, LOGS + (traceId ? 1 : 0));
    return { traceId };
  },
  async body({ server, browser, page, traceId }) {
    const { base, port } = server;
    const post = (path, body) => server.post(path, body);
    step('the server answers the app on client routes and keeps /api JSON');
    {
      const r = await fetch(`${base}/logs`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      assert.match(await r.text(), /<div id="app">/);
      const api404 = await fetch(`${base}/api/v1/nothing`);
      assert.equal(api404.status, 404);
      assert.match(api404.headers.get('content-type'), /json/);
      // Sent as is (fetch would normalise the dots away before sending).
      for (const path of ['/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/../../etc/passwd', '/%2E%2E/%2E%2E/etc/passwd']) {
        const status = await new Promise((res, rej) =>
          request({ host: '127.0.0.1', port, path }, (r) => {
            r.resume();
            res(r.statusCode);
          })
            .on('error', rej)
            .end(),
        );
        assert.equal(status, 400, path);
      }
    }

    step('metrics explorer: a query graphs one line per host with a legend');
    await page.goto(`${base}/metric/explorer?t=1h`);
    await page.waitForSelector('.nav-link.active');
    const raw = page.getByLabel('Query');
    await raw.fill('avg:ui.cpu{env:prod} by {host}');
    await raw.press('Enter');
    await page.waitForSelector('.graph .uplot canvas');
    await page.waitForFunction(() => document.querySelectorAll('.u-legend .u-series').length === 4);
    const legend = await page.locator('.u-legend .u-series .u-label').allTextContents();
    assert.deepEqual(legend.slice(1).sort(), ['host:db-1', 'host:web-1', 'host:web-2']);
    assert.equal(await page.getByLabel('Metric').inputValue(), 'ui.cpu', 'the builder follows the raw query');
    assert.equal(await page.getByLabel('Group by').inputValue(), 'host');
    assert.equal(await page.getByLabel('Scope').inputValue(), 'env:prod');
    assert.ok((await page.locator('#' + (await page.getByLabel('Metric').getAttribute('list')) + ' option[value="ui.cpu"]').count()) === 1, 'metric autocomplete');
    await page.getByLabel('Scope').focus();
    await page.waitForFunction(() => {
      const list = document.getElementById(document.querySelector('input[aria-label="Scope"]').getAttribute('list'));
      return [...list.options].some((o) => o.value === 'env:prod');
    });
    // Close the completion popup, which would take the mouse.
    await page.keyboard.press('Escape');
    await page.getByLabel('Scope').blur();
    // Hover values: the legend shows numbers under the cursor.
    // The live graph is redrawn every 30 s, which drops the cursor: hover again until
    // the legend shows values.
    for (let i = 0; ; i++) {
      const box = await page.locator('.graph .u-over').boundingBox();
      await page.mouse.move(box.x + box.width * 0.5, box.y - 40);
      await page.mouse.move(box.x + box.width * (0.55 + (i % 3) * 0.05), box.y + box.height / 2, { steps: 8 });
      const shown = await page.evaluate(() => [...document.querySelectorAll('.u-legend .u-series:not(:first-child) .u-value')].some((e) => /\d/.test(e.textContent)));
      if (shown) break;
      assert.ok(i < 20, 'hovering the graph shows values in the legend');
      await sleep(250);
    }
    assert.match(page.url(), /q=avg%3Aui\.cpu/);
    // The lines are drawn: pixels of the first series' colour (#3d6fd9) on the canvas.
    const linePixels = await page.locator('.graph canvas').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 61) < 30 && Math.abs(d[i + 1] - 111) < 30 && Math.abs(d[i + 2] - 217) < 30) n++;
      return n;
    });
    assert.ok(linePixels > 300, `the first series is drawn (${linePixels} pixels)`);
    await page.screenshot({ path: join(out, 'metrics.png') });
    // The builder writes the query.
    await page.getByLabel('Space aggregator').selectOption('max');
    await page.waitForFunction(() => document.querySelector('.raw-query').value === 'max:ui.cpu{env:prod} by {host}');

    step('time picker: a custom range goes into the URL and pauses');
    {
      await page.click('.time-button');
      const pad = (n) => String(n).padStart(2, '0');
      const local = (ms) => {
        const d = new Date(ms);
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      };
      await page.locator('.time-custom input[aria-label="From"]').fill(local(Date.now() - 40 * 60000));
      await page.locator('.time-custom input[aria-label="To"]').fill(local(Date.now() - 10 * 60000));
      await page.click('.time-custom button[type=submit]');
      await page.waitForFunction(() => /from=\d+&to=\d+/.test(location.search));
      assert.match(await page.locator('.live-toggle').textContent(), /Paused/);
      await page.waitForFunction(() => document.querySelectorAll('.u-legend .u-series').length === 4);
      await page.click('.time-button');
      await page.click('.time-option[data-span="4h"]');
      await page.waitForFunction(() => location.search.includes('t=4h'));
      assert.match(await page.locator('.live-toggle').textContent(), /Live/);
    }

    step('metrics explorer: a syntax error is shown inline at its position');
    await raw.fill('avg:ui.cpu{host:web-1');
    await raw.press('Enter');
    await page.waitForSelector('.syntax-error');
    const err = await page.locator('.syntax-message').textContent();
    assert.match(err, /^At \d+: /);
    assert.ok(await page.locator('.syntax-where mark').count());
    assert.equal(await page.locator('.nav').count(), 1, 'never a blank page');
    await page.screenshot({ path: join(out, 'metrics-error.png') });

    step('log explorer: search, facets, histogram');
    await page.click('.nav-link[href="/logs"]');
    await page.waitForSelector('.log-row[data-id]');
    await page.waitForSelector('.histogram .uplot canvas');
    const loaded = async () => Number(await page.locator('.list-count').getAttribute('data-loaded'));
    const facetCount = async (facet, value) => {
      const t = await page.locator(`.facet[data-facet="${facet}"] .facet-value[data-value="${value}"] .fv-count`).textContent({ timeout: 10000 });
      return Number(t.replace(/\D/g, ''));
    };
    await page.waitForSelector('.facet[data-facet="service"] .facet-value[data-value="web"]');
    const webAll = await facetCount('service', 'web');
    assert.equal(webAll, LOGS / 3);
    const search = page.getByLabel('Search');
    await search.fill('status:error');
    await search.press('Enter');
    await page.waitForFunction((n) => {
      const v = document.querySelector('.facet[data-facet="service"] .facet-value[data-value="web"] .fv-count');
      return v && Number(v.textContent.replace(/\D/g, '')) < n;
    }, webAll);
    const webErrors = await facetCount('service', 'web');
    assert.ok(webErrors > 0 && webErrors < webAll, `facet counts follow the query (${webErrors})`);
    await page.click('.facet[data-facet="service"] .facet-value[data-value="web"]');
    await page.waitForFunction(() => document.querySelector('.search-input').value === 'status:error service:web');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('.log-row[data-id] .c-service')];
      return rows.length > 0 && rows.every((r) => r.textContent === 'web');
    });
    assert.match(decodeURIComponent(page.url()), /q=status:error\+service:web|q=status:error service:web/);
    await page.screenshot({ path: join(out, 'logs-facet.png') });

    step('log explorer: the detail panel filters on an attribute');
    await page.locator('.log-row[data-id]').first().click();
    await page.waitForSelector('.detail:not([hidden]) .attr[data-key="http.method"]');
    assert.match(page.url(), /sel=/);
    await page.screenshot({ path: join(out, 'logs-detail.png') });
    const method = await page.locator('.attr[data-key="http.method"] .attr-value').textContent();
    await page.click('.attr[data-key="http.method"]');
    await page.waitForFunction((m) => document.querySelector('.search-input').value === `status:error service:web @http.method:${m}`, method);
    await page.waitForFunction(() => document.querySelector('.detail').hidden);

    if (traceId) {
      step('log explorer: a log with a trace id links to the trace waterfall');
      await page.goto(`${base}/logs?q=${encodeURIComponent('service:shop')}&t=1h`);
      await page.locator('.log-row[data-id]').first().click();
      await page.click('.detail .trace-link');
      await page.waitForURL(/\/apm\/traces\//);
      for (let i = 0; (await page.locator('.span-row').count()) < 4; i++) {
        assert.ok(i < 40, 'the trace shows its four spans');
        await sleep(500);
        await page.reload();
        await page.waitForSelector('.span-row, .error-box', { timeout: 10000 }).catch(() => {});
      }
      assert.equal(await page.locator('.span-row.span-error').count(), 1);
      await page.screenshot({ path: join(out, 'trace.png') });
      await page.goBack();
      await page.waitForSelector('.detail:not([hidden])');
    }

    step('log explorer: live tail shows a new log within seconds');
    {
      await page.goto(`${base}/logs?t=1h`);
      await page.waitForSelector('.log-row[data-id]');
      await post('/api/v2/logs', [{ service: 'tail', hostname: 'tail-1', status: 'warn', message: 'fresh from live tail', timestamp: Date.now() }]);
      await page.waitForFunction(() => document.querySelector('.log-row[data-id] .c-msg')?.textContent === 'fresh from live tail', null, { timeout: 15000 });
    }

    step('log explorer: a search syntax error at its position');
    await page.goto(`${base}/logs?q=service%3Aweb&t=1h`);
    await page.waitForSelector('.log-row[data-id]');
    await search.fill('service:(web OR api');
    await search.press('Enter');
    await page.waitForSelector('.search-error .syntax-error');
    assert.match(await page.locator('.search-error .syntax-message').textContent(), /^At \d+: /);
    await page.screenshot({ path: join(out, 'logs-error.png') });

    step('log explorer: a virtualised list through ≥ 5,000 logs');
    await search.fill('');
    await search.press('Enter');
    await page.waitForFunction(() => {
      const c = document.querySelector('.list-count').dataset;
      return Number(c.pages) === 1 && Number(c.loaded) === 500 && document.querySelector('.search-error').childElementCount === 0;
    });
    const firstPage = await loaded();
    for (let i = 0; (await loaded()) < 5000; i++) {
      assert.ok(i < 400, `scrolling stalled at ${await loaded()} logs`);
      await page.locator('.log-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await sleep(60);
    }
    const domRows = await page.locator('.log-row[data-id]').count();
    const pages = Number(await page.locator('.list-count').getAttribute('data-pages'));
    const total = await loaded();
    console.log(`    ${total} logs loaded in ${pages} pages (first page ${firstPage}); ${domRows} rows in the DOM`);
    assert.ok(pages > 1 && total >= 5000);
    assert.ok(domRows < 100, `only visible rows are rendered (${domRows})`);
    await page.screenshot({ path: join(out, 'logs-scrolled.png') });

    step('theme: toggled and remembered across a reload');
    await page.goto(`${base}/logs?q=service%3Aapi&t=4h&live=0`);
    await page.waitForSelector('.log-row[data-id]');
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.click('.theme-toggle');
    const after = await page.evaluate(() => document.documentElement.dataset.theme);
    assert.notEqual(before, after);
    await page.reload();
    await page.waitForSelector('.log-row[data-id]');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), after);
    await page.screenshot({ path: join(out, `logs-${after}.png`) });

    step('a copied URL opens the same view');
    await page.locator('.log-row[data-id]').nth(2).click();
    await page.waitForSelector('.detail:not([hidden])');
    const url = page.url();
    const page2 = await browser.newPage();
    await page2.goto(url);
    await page2.waitForSelector('.detail:not([hidden])');
    assert.equal(await page2.getByLabel('Search').inputValue(), 'service:api');
    assert.match(await page2.locator('.time-button').textContent(), /Past 4 hours/);
    assert.match(await page2.locator('.live-toggle').textContent(), /Paused/);
    assert.equal(await page2.locator('.detail-message').textContent(), await page.locator('.detail-message').textContent());
    await page2.screenshot({ path: join(out, 'logs-copied-url.png') });
    await page2.goto(`${base}/metric/explorer?q=avg%3Aui.cpu%7B*%7D%20by%20%7Bhost%7D&t=1h`);
    await page2.waitForFunction(() => document.querySelectorAll('.u-legend .u-series').length === 4);
    await page2.screenshot({ path: join(out, `metrics-${after}.png`) });
    await page2.close();

    step('an API failure shows a readable message with Retry');
    await page.route('**/api/v1/query?**', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"errors":["the store is not ready"]}' }));
    await page.goto(`${base}/metric/explorer?q=avg%3Aui.cpu%7B*%7D&t=1h`);
    await page.waitForSelector('.error-box button');
    assert.match(await page.locator('.error-box').textContent(), /the store is not ready/);
    await page.unroute('**/api/v1/query?**');
    await page.click('.error-box button');
    await page.waitForSelector('.graph .uplot');

    if (perf) {
      step('time to first render of the log explorer');
      const samples = [];
      for (let i = 0; i < 5; i++) {
        const p = await browser.newPage();
        await p.addInitScript(() => {
          new MutationObserver((_, obs) => {
            if (document.querySelector('.log-row[data-id]')) {
              window.__firstRow = performance.now();
              obs.disconnect();
            }
          }).observe(document, { childList: true, subtree: true });
        });
        await p.goto(`${base}/logs?t=1h`);
        await p.waitForFunction(() => window.__firstRow !== undefined);
        samples.push(await p.evaluate(() => ({ row: window.__firstRow, fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null })));
        await p.close();
      }
      const rows = samples.map((s) => s.row).sort((a, b) => a - b);
      const result = { runs: samples, median_first_row_ms: rows[Math.floor(rows.length / 2)] };
      console.log(`    first log row rendered after ${result.median_first_row_ms.toFixed(0)} ms (median of ${rows.length}); samples ${rows.map((r) => r.toFixed(0)).join(', ')}`);
      writeFileSync(join(out, 'perf.json'), JSON.stringify(result, null, 2));
    }
  },
});
