// The Monitors area: the list, the create/edit form with its live preview and inline
// query errors, the status page with group states and history, in Chromium against a
// real `heeler serve` whose scheduler evaluates every second.
//   node e2e/monitors.mjs <path to heeler>
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { out, runSpec, step } from './harness.mjs';
import { waitForLogs } from './fixtures.mjs';

const METRIC = 'ui.mon.cpu';
const ERRORS = 6;

// Pixels of about this colour on a canvas.
function countColour(page, selector, [r, g, b]) {
  return page.locator(selector).first().evaluate(
    (c, [r, g, b]) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 30 && Math.abs(d[i + 1] - g) < 30 && Math.abs(d[i + 2] - b) < 30) n++;
      return n;
    },
    [r, g, b],
  );
}

await runSpec('monitors', {
  serveArgs: ['--set', 'monitors.interval_seconds=1'],
  async load(server) {
    // web-1 runs hot (about 95), web-2 idles (about 20): a point every 20 s over 15 minutes.
    const now = Math.floor(Date.now() / 1000);
    const series = [];
    for (const [host, level] of [['web-1', 95], ['web-2', 20]]) {
      const points = [];
      for (let t = now - 15 * 60; t <= now; t += 20) points.push([t, level + Math.sin(t / 60)]);
      series.push({ metric: METRIC, type: 'gauge', host, points, tags: ['env:prod'] });
    }
    await server.post('/api/v1/series', { series });
    const logs = [];
    for (let i = 0; i < ERRORS; i++) logs.push({ service: 'checkout', hostname: 'web-1', status: 'error', message: `Payment timeout ${i}`, timestamp: Date.now() - (i + 1) * 10_000 });
    logs.push({ service: 'search', hostname: 'web-2', status: 'info', message: 'ok', timestamp: Date.now() - 5000 });
    await server.post('/api/v2/logs', logs);
    await waitForLogs(server, ERRORS + 1);
  },
  async body({ server, page }) {
    const { base } = server;
    // Tall pages are shot whole: the window grows to the content for the picture.
    const shot = async (name, tall = false) => {
      if (tall) {
        const height = await page.evaluate(() => document.querySelector('.content').scrollHeight + 80);
        await page.setViewportSize({ width: 1400, height: Math.min(2400, Math.max(860, height)) });
        await page.waitForTimeout(300);
      }
      await page.screenshot({ path: join(out, `monitors-${name}.png`) });
      if (tall) await page.setViewportSize({ width: 1400, height: 860 });
    };
    const badge = (scope) => page.locator(`${scope} .mon-badge`).first().textContent();

    step('the list starts empty and offers to create a monitor');
    await page.goto(`${base}/monitors`);
    await page.waitForSelector('.mon-empty');
    assert.match(await page.locator('.nav-link.active').textContent(), /Monitors/);
    assert.equal(await page.locator('.mon-count.s-all .mon-count-n').textContent(), '0');
    await shot('empty');

    step('new metric monitor: the builder writes the query');
    await page.locator('.mon-list-head').getByRole('link', { name: /New monitor/ }).click();
    await page.waitForURL(/\/monitors\/new$/);
    assert.equal(await page.locator('.page-title').textContent(), 'New monitor');
    await page.locator('.mon-kind[data-kind="metric"]').click();
    await page.getByLabel('Metric', { exact: true }).fill(METRIC);
    await page.getByLabel('Group by', { exact: true }).fill('host');
    await page.getByLabel('Time aggregation').selectOption('avg');
    await page.getByLabel('Evaluation window').selectOption('5m');
    await page.getByLabel('Comparator').selectOption('>');
    await page.getByLabel('Alert threshold', { exact: true }).fill('90');
    await page.getByLabel('Warning threshold', { exact: true }).fill('80');
    const query = `avg(last_5m):avg:${METRIC}{*} by {host} > 90`;
    await page.waitForFunction((q) => document.querySelector('.mon-query-text')?.textContent === q, query);
    await page.waitForSelector('.mon-valid');

    step('the preview graphs both hosts with the threshold lines');
    await page.waitForSelector('.mon-preview .mon-graph canvas');
    await page.waitForFunction(() => document.querySelectorAll('.mon-preview .u-legend .u-series').length === 3);
    const legend = await page.locator('.mon-preview .u-legend .u-series .u-label').allTextContents();
    assert.deepEqual(legend.slice(1).sort(), ['host:web-1', 'host:web-2']);
    assert.deepEqual(await page.locator('.mon-preview .mon-threshold-key').allTextContents(), ['Alert > 90', 'Warn > 80']);
    const red = await countColour(page, '.mon-preview canvas', [217, 66, 79]);
    const yellow = await countColour(page, '.mon-preview canvas', [230, 162, 60]);
    assert.ok(red > 200, `the critical line is drawn (${red} red pixels)`);
    assert.ok(yellow > 200, `the warning line is drawn (${yellow} yellow pixels)`);
    // The lines follow the form as it is typed.
    await page.getByLabel('Warning threshold', { exact: true }).fill('');
    await page.waitForFunction(() => document.querySelectorAll('.mon-preview .mon-threshold-key').length === 1);
    assert.ok((await countColour(page, '.mon-preview canvas', [230, 162, 60])) < 50, 'the warning line is gone');
    await page.getByLabel('Warning threshold', { exact: true }).fill('80');
    await page.waitForFunction(() => document.querySelectorAll('.mon-preview .mon-threshold-key').length === 2);
    await shot('form');

    step('a bad query typed in raw mode is shown inline at its position, then fixed');
    await page.getByRole('button', { name: 'Edit query' }).click();
    const raw = page.getByLabel('Raw monitor query');
    assert.equal(await raw.inputValue(), query);
    const bad = `avg(last_5m):avg:${METRIC}{*} by {host} >`;
    await raw.fill(bad);
    await page.waitForSelector('.mon-validity .syntax-error');
    const msg = await page.locator('.mon-validity .syntax-message').textContent();
    assert.match(msg, new RegExp(`^At ${bad.length}: the threshold`));
    assert.equal(await page.locator('.mon-validity .syntax-where mark').count(), 1);
    await page.locator('.mon-step').nth(1).scrollIntoViewIfNeeded();
    await shot('form-error');
    await raw.fill(query);
    await page.waitForSelector('.mon-valid');
    assert.equal(await page.locator('.mon-validity .syntax-error').count(), 0);
    // The builder read the typed query back.
    assert.equal(await page.getByLabel('Metric', { exact: true }).inputValue(), METRIC);

    step('save: the status page shows the monitor alerting on web-1 only');
    await page.getByLabel('Monitor name').fill('CPU high on web hosts');
    await page.getByLabel('Message').fill('CPU is above 90% on {{host.name}}. Check the deploy.');
    await page.getByLabel('Tags').fill('team:web, env:prod');
    await page.getByLabel('Priority').selectOption('2');
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.waitForURL(/\/monitors\/\d+$/);
    const cpuId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'Alert', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('.mon-group-table tbody tr').length === 2, null, { timeout: 30_000 });
    assert.equal(await badge('.mon-group-table tr[data-group="host:web-1"]'), 'Alert');
    assert.equal(await badge('.mon-group-table tr[data-group="host:web-2"]'), 'OK');
    assert.match(await page.locator('.mon-group-counts').textContent(), /1 Alert.*1 OK/);
    assert.match(await page.locator('.mon-status-head .mon-query-text').textContent(), /> 90$/);
    // The history: a band per group, web-1's ending in Alert, and the transition listed.
    await page.waitForSelector('.mon-tl-row[data-group="host:web-1"] .mon-tl-seg[data-status="Alert"]', { timeout: 30_000 });
    assert.ok(await page.locator('.mon-tl-row[data-group="host:web-2"] .mon-tl-seg[data-status="OK"]').count());
    await page.waitForFunction(() => [...document.querySelectorAll('.mon-transition')].some((r) => r.textContent.includes('host:web-1') && r.textContent.includes('Alert')));
    await page.waitForSelector('.mon-status-body .mon-graph canvas');
    assert.ok((await countColour(page, '.mon-status-body canvas', [217, 66, 79])) > 200, 'the status graph draws the critical line');
    await shot('status', true);

    step('sorting the groups by name');
    await page.locator('.mon-group-table th button', { hasText: 'Group' }).click();
    await page.locator('.mon-group-table th button', { hasText: 'Group' }).click();
    assert.equal(await page.locator('.mon-group-table tbody tr').first().getAttribute('data-group'), 'host:web-2');

    step('the list shows the red Alert badge and the count');
    await page.locator('.nav-link', { hasText: 'Monitors' }).click();
    await page.waitForSelector(`.mon-row[data-id="${cpuId}"]`);
    assert.equal(await badge(`.mon-row[data-id="${cpuId}"]`), 'Alert');
    const bg = await page.locator(`.mon-row[data-id="${cpuId}"] .mon-badge`).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(217, 66, 79)');
    assert.equal(await page.locator('.mon-count.s-alert .mon-count-n').textContent(), '1');
    assert.match(await page.locator(`.mon-row[data-id="${cpuId}"] .c-tags`).textContent(), /team:web/);

    step('new log monitor: errors per service');
    await page.locator('.mon-list-head').getByRole('link', { name: /New monitor/ }).click();
    await page.waitForURL(/\/monitors\/new$/);
    await page.locator('.mon-kind[data-kind="logs"]').click();
    await page.getByLabel('Search query').fill('status:error');
    await page.getByLabel('Group by facets').fill('service');
    await page.getByLabel('Alert threshold', { exact: true }).fill('3');
    const logQuery = 'logs("status:error").index("*").rollup("count").by("service").last("5m") > 3';
    await page.waitForFunction((q) => document.querySelector('.mon-query-text')?.textContent === q, logQuery);
    await page.waitForSelector('.mon-valid');
    await page.waitForFunction(() => [...document.querySelectorAll('.mon-preview .u-legend .u-label')].some((e) => e.textContent === 'service:checkout'));
    assert.deepEqual(await page.locator('.mon-preview .mon-threshold-key').allTextContents(), ['Alert > 3']);
    await shot('form-logs', true);
    await page.getByLabel('Monitor name').fill('Checkout errors');
    await page.getByLabel('Tags').fill('team:pay');
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.waitForURL(/\/monitors\/\d+$/);
    const logId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'Alert', null, { timeout: 30_000 });
    await page.waitForSelector('.mon-group-table tr[data-group="service:checkout"]');
    assert.equal(await badge('.mon-group-table tr[data-group="service:checkout"]'), 'Alert');
    assert.equal(await page.locator('.mon-group-table tr[data-group="service:checkout"] .num').textContent(), String(ERRORS));

    step('the list: quick filters by status and the search by name');
    await page.locator('.nav-link', { hasText: 'Monitors' }).click();
    await page.waitForFunction(() => document.querySelector('.mon-count.s-alert .mon-count-n')?.textContent === '2');
    await page.locator('.mon-search').fill('checkout');
    await page.waitForFunction(() => document.querySelectorAll('.mon-row').length === 1 && location.search.includes('q=checkout'));
    assert.equal(await page.locator('.mon-row .mon-name').textContent(), 'Checkout errors');
    await page.locator('.mon-search').fill('');
    await page.waitForFunction(() => document.querySelectorAll('.mon-row').length === 2);
    await page.getByLabel('Filter by tag').selectOption('team:web');
    await page.waitForFunction(() => document.querySelectorAll('.mon-row').length === 1);
    assert.equal(await page.locator('.mon-row .mon-name').textContent(), 'CPU high on web hosts');
    await page.getByLabel('Filter by tag').selectOption('');
    await page.locator('.mon-count.s-ok').click();
    await page.waitForFunction(() => location.search.includes('status%3Aok'));
    await page.waitForSelector('.mon-list-body .empty');
    await page.locator('.mon-count.s-ok').click();
    await page.locator('.mon-count.s-alert').click();
    await page.waitForFunction(() => document.querySelectorAll('.mon-row').length === 2);
    await shot('list');

    step('delete is refused while a composite names the monitor, with the server saying why');
    const comp = await server.post('/api/v1/monitor', { name: 'Checkout and CPU', type: 'composite', query: `${cpuId} && ${logId}`, message: '' });
    await page.locator('.mon-count.s-alert').click();
    await page.waitForSelector(`.mon-row[data-id="${comp.id}"]`);
    await page.locator(`.mon-row[data-id="${logId}"]`).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForSelector('.mon-notice .error-box');
    assert.match(await page.locator('.mon-notice .error-box').textContent(), /Could not delete “Checkout errors”: .*composite/i);
    assert.equal(await page.locator(`.mon-row[data-id="${logId}"]`).count(), 1);
    await shot('delete-refused');
    await page.locator(`.mon-row[data-id="${comp.id}"]`).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction((id) => !document.querySelector(`.mon-row[data-id="${id}"]`), comp.id);

    step('edit: a higher threshold makes web-1 recover');
    await page.locator(`.mon-row[data-id="${cpuId}"] .mon-name`).click();
    await page.waitForURL(new RegExp(`/monitors/${cpuId}$`));
    await page.locator('.mon-status-actions').getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(new RegExp(`/monitors/${cpuId}/edit$`));
    await page.waitForFunction(() => document.querySelector('input[aria-label="Alert threshold"]')?.value === '90');
    assert.equal(await page.getByLabel('Warning threshold', { exact: true }).inputValue(), '80');
    assert.equal(await page.getByLabel('Monitor name').inputValue(), 'CPU high on web hosts');
    await page.getByLabel('Alert threshold', { exact: true }).fill('99');
    await page.getByLabel('Warning threshold', { exact: true }).fill('98');
    await page.waitForFunction(() => document.querySelector('.mon-query-text')?.textContent.endsWith('> 99'));
    await page.waitForFunction(() => [...document.querySelectorAll('.mon-preview .mon-threshold-key')].map((e) => e.textContent).join() === 'Alert > 99,Warn > 98');
    await page.getByRole('button', { name: 'Save monitor' }).click();
    await page.waitForURL(new RegExp(`/monitors/${cpuId}$`));
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'OK', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('.mon-group-table tr[data-group="host:web-1"] .mon-badge')?.textContent === 'OK');
    // The edit restarts the groups' states (the server keeps no history entry for
    // that): web-1's band turns from Alert to OK where the monitor was edited.
    await page.waitForFunction(() => [...document.querySelectorAll('.mon-tl-row[data-group="host:web-1"] .mon-tl-seg')].map((e) => e.dataset.status).slice(-2).join() === 'Alert,OK');
    assert.ok(await page.locator('.mon-transition', { hasText: 'host:web-1' }).count(), 'the earlier OK → Alert stays listed');
    await shot('recovered', true);

    step('dark theme');
    await page.click('.theme-toggle');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.waitForSelector('.mon-status-body canvas');
    await shot('status-dark', true);
    await page.locator('.mon-status-actions').getByRole('link', { name: 'Clone' }).click();
    await page.waitForURL(/\/monitors\/new\?clone=/);
    await page.waitForFunction(() => document.querySelector('input[aria-label="Monitor name"]')?.value === 'CPU high on web hosts (clone)');
    await page.waitForSelector('.mon-preview canvas');
    await shot('form-dark', true);
    await page.locator('.nav-link', { hasText: 'Monitors' }).click();
    await page.waitForSelector(`.mon-row[data-id="${cpuId}"]`);
    await shot('list-dark');
    await page.click('.theme-toggle');

    step('delete from the status page');
    await page.locator(`.mon-row[data-id="${cpuId}"] .mon-name`).click();
    await page.waitForURL(new RegExp(`/monitors/${cpuId}$`));
    await page.locator('.mon-status-actions').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/monitors$/);
    await page.waitForSelector(`.mon-row[data-id="${logId}"]`);
    assert.equal(await page.locator(`.mon-row[data-id="${cpuId}"]`).count(), 0);
    const left = await server.get('/api/v1/monitor');
    assert.deepEqual(left.map((m) => m.id), [logId]);

    step('new RUM monitor: failing requests per view, built in the form');
    const now = Date.now();
    const rumEvent = (id, view, status) => ({
      type: 'resource',
      date: now - 30_000,
      application: { id: 'shop' },
      session: { id: 'ui-session' },
      view: { id: `v-${view}`, url: `https://shop.example.com/${view}` },
      resource: { id, type: 'fetch', status_code: status, url: 'https://shop.example.com/api' },
      service: 'shop-web',
    });
    await server.post('/api/v2/rum', [rumEvent('r1', 'cart', 503), rumEvent('r2', 'cart', 502), rumEvent('r3', 'home', 200)]);
    await page.locator('.mon-list-head').getByRole('link', { name: /New monitor/ }).click();
    await page.waitForURL(/\/monitors\/new$/);
    await page.locator('.mon-kind[data-kind="rum"]').click();
    await page.getByLabel('Search query').fill('@type:resource @resource.status_code:>=500');
    await page.getByLabel('Group by facets').fill('@view.name');
    await page.getByLabel('Alert threshold', { exact: true }).fill('1');
    const rumQuery = 'rum("@type:resource @resource.status_code:>=500").rollup("count").by("@view.name").last("5m") > 1';
    await page.waitForFunction((q) => document.querySelector('.mon-query-text')?.textContent === q, rumQuery);
    await page.waitForFunction(() => [...document.querySelectorAll('.mon-preview .u-legend .u-label')].some((e) => e.textContent === '@view.name:/cart'));
    await page.getByLabel('Monitor name').fill('Failing requests on {{view.name}}');
    // The facet grouped by is offered as a variable under its own name.
    await page.getByRole('toolbar', { name: 'Template helper' }).locator('.mon-chip.group', { hasText: '{{view.name}}' }).waitFor();
    await page.waitForSelector('.mon-valid');
    await shot('form-rum', true);
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.waitForURL(/\/monitors\/\d+$/);
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'Alert', null, { timeout: 30_000 });
    await page.waitForSelector('.mon-group-table tr[data-group="view.name:/cart"]');
    assert.equal(await badge('.mon-group-table tr[data-group="view.name:/cart"]'), 'Alert');
    assert.equal(await page.locator('.mon-group-table tr[data-group="view.name:/cart"] .num').textContent(), '2');
    assert.equal(await page.locator('.mon-group-table tr[data-group="view.name:/home"]').count(), 0);
  },
});
