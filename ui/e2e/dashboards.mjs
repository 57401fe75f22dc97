// Dashboards in Chromium against a real `heeler serve`: create one, add every widget
// type, move and resize, template variables, compare to the previous day, save and
// reload, clone, delete, export and import (also Datadog's JSON).
//   node e2e/dashboards.mjs <path to heeler> [--perf]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { out, perf, runSpec, sleep, step } from './harness.mjs';
import { loadCpuSeries, loadDaySeries } from './fixtures.mjs';

// Non-transparent pixels on a canvas of the widget titled `title`.
async function canvasPixels(page, title) {
  return page.locator('.widget', { has: page.locator('.widget-title', { hasText: title }) }).locator('canvas').first().evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

function widget(page, title) {
  return page.locator('.widget', { has: page.locator('.widget-title', { hasText: title }) });
}

// Grid positions of every widget, by title: [column start, row start, columns, rows].
async function positions(page) {
  return page.$$eval('.dash-grid > .widget', (els) =>
    Object.fromEntries(
      els.map((e) => {
        const s = getComputedStyle(e);
        const span = (v) => Number(/span (\d+)/.exec(v)?.[1] ?? 1);
        return [e.querySelector('.widget-title').textContent, [Number(s.gridColumnStart), Number(s.gridRowStart), span(s.gridColumnEnd), span(s.gridRowEnd)]];
      }),
    ),
  );
}

async function waitPainted(page) {
  await page.waitForSelector('.dash-grid[data-painted]', { timeout: 30000 });
}

async function addWidget(page, type, { title, query, extra } = {}) {
  await page.getByRole('button', { name: '+ Add widget' }).click();
  await page.locator(`.menu-item[data-type="${type}"]`).click();
  const editor = page.locator('.widget-editor');
  await editor.waitFor();
  if (title) await editor.getByLabel('Title').fill(title);
  if (query) await editor.getByLabel('Query', { exact: true }).fill(query);
  if (extra) await extra(editor);
  if (query) await editor.locator('.editor-preview .widget[data-state]:not([data-state="loading"])').waitFor();
  await editor.getByRole('button', { name: 'Add widget' }).click();
  await editor.waitFor({ state: 'detached' });
}

const DATADOG_JSON = {
  title: 'Imported from Datadog',
  description: 'every widget type',
  layout_type: 'ordered',
  is_read_only: false,
  notify_list: [],
  reflow_type: 'fixed',
  id: 'dd0-abc-123',
  template_variables: [{ name: 'env', prefix: 'env', available_values: [], default: 'prod' }],
  widgets: [
    { id: 1, definition: { title: 'Requests', title_size: '16', title_align: 'left', show_legend: true, legend_layout: 'auto', legend_columns: ['avg', 'min', 'max', 'value', 'sum'], type: 'timeseries', requests: [{ formulas: [{ formula: 'query1' }], queries: [{ data_source: 'metrics', name: 'query1', query: 'avg:ui.requests{$env} by {host}' }], response_format: 'timeseries', style: { palette: 'cool', line_type: 'solid', line_width: 'normal' }, display_type: 'area' }] }, layout: { x: 0, y: 0, width: 6, height: 2 } },
    { id: 2, definition: { title: 'CPU now', type: 'query_value', requests: [{ q: 'avg:ui.cpu{$env}', aggregator: 'last', conditional_formats: [{ comparator: '>', value: 1000, palette: 'white_on_red' }, { comparator: '>=', value: 0, palette: 'white_on_green' }] }], autoscale: true, precision: 1, custom_unit: '%' }, layout: { x: 6, y: 0, width: 2, height: 2 } },
    { id: 3, definition: { title: 'Top CPU', type: 'toplist', requests: [{ q: "top(avg:ui.cpu{*} by {host}, 10, 'mean', 'desc')", conditional_formats: [] }] }, layout: { x: 8, y: 0, width: 4, height: 2 } },
    { id: 4, definition: { title: 'CPU table', type: 'query_table', requests: [{ q: 'avg:ui.cpu{*} by {host}', aggregator: 'max', alias: 'max cpu', limit: 10, order: 'desc' }], has_search_bar: 'auto' }, layout: { x: 0, y: 2, width: 4, height: 3 } },
    { id: 5, definition: { title: 'Request share', type: 'sunburst', requests: [{ q: 'sum:ui.requests{*} by {host}' }], legend: { type: 'table' } }, layout: { x: 4, y: 2, width: 4, height: 3 } },
    { id: 6, definition: { title: 'CPU distribution', type: 'heatmap', requests: [{ q: 'avg:ui.cpu{*} by {host}' }] }, layout: { x: 8, y: 2, width: 4, height: 3 } },
    { id: 7, definition: { type: 'note', content: '## Imported note\nWith **bold** text', background_color: 'blue', font_size: '14', text_align: 'left', show_tick: false }, layout: { x: 0, y: 5, width: 4, height: 2 } },
    { id: 8, definition: { title: 'An SLO', type: 'slo', slo_id: 'abc', view_type: 'detail' }, layout: { x: 4, y: 5, width: 4, height: 2 } },
    { id: 9, definition: { title: 'Nothing reported', type: 'timeseries', requests: [{ q: 'avg:ui.nothing{*}', display_type: 'line' }] }, layout: { x: 8, y: 5, width: 4, height: 2 } },
    {
      id: 10,
      definition: {
        title: 'Database',
        type: 'group',
        background_color: 'vivid_blue',
        show_title: true,
        layout_type: 'ordered',
        widgets: [
          { id: 11, definition: { title: 'db CPU', type: 'query_value', requests: [{ q: 'avg:ui.cpu{host:db-1}', aggregator: 'avg' }], precision: 0 }, layout: { x: 0, y: 0, width: 3, height: 2 } },
          { id: 12, definition: { title: 'db requests', type: 'timeseries', requests: [{ q: 'avg:ui.requests{host:db-1}', display_type: 'bars' }] }, layout: { x: 3, y: 0, width: 9, height: 2 } },
        ],
      },
      layout: { x: 0, y: 7, width: 12, height: 3 },
    },
  ],
};

await runSpec('dashboards', {
  async load(server) {
    await loadCpuSeries(server);
    await loadDaySeries(server);
    if (perf) await loadDaySeries(server, { metric: 'ui.perf', hosts: Array.from({ length: 10 }, (_, i) => `node-${i + 1}`), hours: 24, stepS: 60 });
  },
  async body({ server, page, browser }) {
    const { base } = server;
    page.setDefaultTimeout(20000);

    step('the server answers the dashboards routes with the app');
    for (const path of ['/dashboards', '/dashboard/abc-def-ghi/some-slug']) {
      const r = await fetch(base + path);
      assert.equal(r.status, 200, path);
      assert.match(await r.text(), /<div id="app">/);
    }

    step('the list starts empty; New dashboard opens one in edit mode');
    await page.goto(`${base}/dashboards?t=1h`);
    await page.getByText('No dashboards yet').waitFor();
    assert.equal(await page.locator('.nav-link.active').textContent(), '▦Dashboards');
    await page.getByRole('button', { name: '+ New dashboard' }).click();
    await page.waitForURL(/\/dashboard\/[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}/);
    await page.getByLabel('Dashboard title').fill('Service overview');
    await page.getByLabel('Dashboard description').fill('Requests and CPU of the web and db hosts');

    step('template variable host');
    await page.getByRole('button', { name: 'Template variables' }).click();
    await page.getByRole('button', { name: '+ Add variable' }).click();
    const tvRow = page.locator('.tv-row').first();
    assert.equal(await tvRow.getByLabel('Name').inputValue(), 'host');
    assert.equal(await tvRow.getByLabel('Tag key').inputValue(), 'host');
    await page.locator('.modal').getByRole('button', { name: 'Apply' }).click();
    const hostSelect = page.getByLabel('Template variable host');
    await page.waitForFunction(() => [...document.querySelectorAll('select[aria-label="Template variable host"] option')].map((o) => o.value).join(',') === '*,db-1,web-1,web-2');

    step('add a timeseries by typing a query (the builder follows)');
    await page.getByRole('button', { name: '+ Add widget' }).click();
    await page.locator('.menu-item[data-type="timeseries"]').click();
    {
      const editor = page.locator('.widget-editor');
      await editor.getByLabel('Title').fill('Requests by host');
      await editor.getByLabel('Query', { exact: true }).fill('avg:ui.requests{$host} by {host}');
      assert.equal(await editor.getByLabel('Metric').inputValue(), 'ui.requests');
      assert.equal(await editor.getByLabel('Group by').inputValue(), 'host');
      await editor.locator('.editor-preview .widget[data-state="ready"] canvas').first().waitFor();
      await page.screenshot({ path: join(out, 'dashboard-editor.png') });
      await editor.getByRole('button', { name: 'Add widget' }).click();
      await editor.waitFor({ state: 'detached' });
    }

    step('add a query value with a conditional format');
    await addWidget(page, 'query_value', {
      title: 'Average CPU',
      query: 'avg:ui.cpu{*}',
      async extra(editor) {
        await editor.getByRole('button', { name: '+ Add condition' }).click();
        await editor.getByLabel('Comparator').selectOption('>');
        await editor.getByLabel('Value', { exact: true }).fill('10');
        await editor.getByLabel('Palette').selectOption('white_on_red');
        await editor.getByLabel('Unit').fill('%');
        await editor.locator('.editor-preview .qv[data-palette="white_on_red"]').waitFor();
        await page.screenshot({ path: join(out, 'dashboard-editor-query-value.png') });
      },
    });

    step('add a top list, a table, a pie, a heatmap, a note and a broken query');
    await addWidget(page, 'toplist', { title: 'Top hosts by CPU', query: "top(avg:ui.cpu{*} by {host}, 10, 'mean', 'desc')" });
    await addWidget(page, 'query_table', { title: 'CPU by host', query: 'avg:ui.cpu{*} by {host}' });
    await addWidget(page, 'sunburst', { title: 'Request share', query: 'sum:ui.requests{$host} by {host}' });
    await addWidget(page, 'heatmap', { title: 'CPU heatmap', query: 'avg:ui.cpu{*} by {host}' });
    await addWidget(page, 'note', {
      title: 'Runbook',
      async extra(editor) {
        await editor.getByLabel('Note text').fill('## Runbook\n**Pager**: <img src=x onerror=alert(1)> then see [the docs](https://example.com/runbook)\n- check `ui.cpu`\n- *restart* web');
      },
    });
    await addWidget(page, 'timeseries', { title: 'Broken', query: 'avg:ui.cpu{*} by {host}.x(' });
    await waitPainted(page);
    assert.equal(await page.locator('.dash-grid > .widget').count(), 8);

    step('a bad query shows its error in its widget; the others draw');
    await widget(page, 'Broken').locator('.error-box').waitFor();
    assert.match(await widget(page, 'Broken').locator('.error-box').textContent(), /expected '\)'/);
    for (const t of ['Requests by host', 'Average CPU', 'Top hosts by CPU', 'CPU by host', 'Request share', 'CPU heatmap']) {
      assert.equal(await widget(page, t).getAttribute('data-state'), 'ready', t);
    }

    step('drag a widget to a new place and resize another');
    const before = await positions(page);
    {
      // The note moves to the top left; what was there moves down.
      const head = widget(page, 'Runbook').locator('.widget-head');
      const hb = await head.boundingBox();
      const gb = await page.locator('.dash-grid').boundingBox();
      await page.mouse.move(hb.x + 30, hb.y + 10);
      await page.mouse.down();
      await page.mouse.move(gb.x + 30, gb.y + 10, { steps: 12 });
      await page.mouse.up();
      const p = await positions(page);
      assert.deepEqual(p.Runbook.slice(0, 2), [1, 1], 'the note is at the top left');
      assert.notDeepEqual(p['Requests by host'], before['Requests by host'], 'what it landed on moved');
      // The timeseries grows to 8 columns by 3 rows from its corner.
      const ts = widget(page, 'Requests by host');
      const [col, row] = p['Requests by host'];
      const handle = ts.locator('.resize-handle');
      const rb = await handle.boundingBox();
      const colW = (gb.width + 12) / 12;
      await page.mouse.move(rb.x + 8, rb.y + 8);
      await page.mouse.down();
      const tx = gb.x + (col - 1 + 8) * colW - 20;
      const ty = gb.y + (row - 1 + 3) * (96 + 12) - 20;
      await page.mouse.move(tx, ty, { steps: 12 });
      await page.mouse.up();
      const q = await positions(page);
      assert.deepEqual(q['Requests by host'].slice(2), [8, 3], 'the timeseries is 8×3');
      // No two widgets overlap.
      const boxes = Object.values(q);
      for (const a of boxes) for (const b of boxes) if (a !== b) assert.ok(a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1], 'overlap');
    }
    {
      // From the keyboard: an arrow moves the focused widget one column.
      const p = await positions(page);
      await widget(page, 'Average CPU').locator('.widget-head').focus();
      await page.keyboard.press('ArrowRight');
      const q = await positions(page);
      assert.deepEqual(q['Average CPU'], [p['Average CPU'][0] + 1, ...p['Average CPU'].slice(1)]);
    }
    await page.screenshot({ path: join(out, 'dashboard-edit.png') });
    const layout = await positions(page);

    step('save, reload and find everything where it was');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: '✎ Edit' }).waitFor();
    assert.match(page.url(), /\/dashboard\/[a-z0-9-]+\/service-overview/);
    const dashUrl = page.url();
    await page.reload();
    await waitPainted(page);
    assert.equal(await page.locator('.dash-title').textContent(), 'Service overview');
    assert.deepEqual(await positions(page), layout);
    assert.ok((await canvasPixels(page, 'Requests by host')) > 500, 'timeseries drawn');
    assert.ok((await canvasPixels(page, 'Request share')) > 500, 'pie drawn');
    assert.ok((await canvasPixels(page, 'CPU heatmap')) > 500, 'heatmap drawn');
    assert.equal(await widget(page, 'Average CPU').locator('.qv').getAttribute('data-palette'), 'white_on_red');
    assert.match(await widget(page, 'Average CPU').locator('.qv').textContent(), /^\d+\.\d\d%$/);
    assert.deepEqual(await widget(page, 'Top hosts by CPU').locator('.tl-label').allTextContents(), ['host:db-1', 'host:web-2', 'host:web-1']);
    assert.deepEqual(await widget(page, 'CPU by host').locator('tbody td:first-child').allTextContents(), ['db-1', 'web-2', 'web-1']);
    await widget(page, 'CPU by host').getByRole('button', { name: 'host' }).click();
    assert.deepEqual(await widget(page, 'CPU by host').locator('tbody td:first-child').allTextContents(), ['db-1', 'web-1', 'web-2']);
    assert.equal(await widget(page, 'Request share').locator('.pie-legend li').count(), 3);
    assert.match(await widget(page, 'Request share').locator('.pie-legend').textContent(), /%/);
    const note = page.locator('.widget-note .note');
    assert.equal(await note.locator('h4').textContent(), 'Runbook');
    assert.match(await note.textContent(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await note.locator('img').count(), 0, 'HTML in a note stays text');
    assert.equal(await note.locator('a[href="https://example.com/runbook"]').count(), 1);
    assert.equal(await note.locator('li').count(), 2);
    assert.equal(await widget(page, 'Broken').getAttribute('data-state'), 'error');
    await page.screenshot({ path: join(out, 'dashboard-view-light.png') });

    step('pick host web-1: the timeseries shows only web-1, and the URL says so');
    const legend = () => widget(page, 'Requests by host').locator('.u-legend .u-series:not(:first-child) .u-label').allTextContents();
    assert.deepEqual((await legend()).sort(), ['host:db-1', 'host:web-1', 'host:web-2']);
    await hostSelect.selectOption('web-1');
    await page.waitForFunction(() => {
      const labels = [...document.querySelectorAll('.widget[data-type="timeseries"] .u-legend .u-series:not(:first-child) .u-label')].map((e) => e.textContent);
      return labels.length === 1 && labels[0] === 'host:web-1';
    });
    assert.match(page.url(), /tpl_host=web-1/);
    await waitPainted(page);
    assert.equal(await widget(page, 'Request share').locator('.pie-legend li').count(), 1, 'the pie follows $host too');

    step('compare to the previous day: a dashed series from a day ago');
    await page.getByLabel('Compare to').selectOption('day');
    await page.waitForFunction(() => [...document.querySelectorAll('.widget[data-type="timeseries"] .u-legend .u-label')].some((e) => e.textContent === 'host:web-1 (1d ago)'));
    assert.deepEqual(await legend(), ['host:web-1', 'host:web-1 (1d ago)']);
    assert.match(page.url(), /compare=day/);
    await waitPainted(page);
    // The link reproduces the view.
    await page.goto(page.url());
    await waitPainted(page);
    assert.equal(await hostSelect.inputValue(), 'web-1');
    assert.deepEqual(await legend(), ['host:web-1', 'host:web-1 (1d ago)']);
    // The time range changes; the variables and the overlay stay.
    await page.locator('.time-button').click();
    await page.locator('.time-option[data-span="4h"]').click();
    await page.waitForURL(/t=4h/);
    assert.match(page.url(), /tpl_host=web-1/);
    assert.match(page.url(), /compare=day/);
    await waitPainted(page);
    await page.screenshot({ path: join(out, 'dashboard-compare.png') });

    step('dark theme');
    await page.getByRole('button', { name: /Dark theme/ }).click();
    await waitPainted(page);
    await sleep(300);
    await page.screenshot({ path: join(out, 'dashboard-view-dark.png') });
    await page.getByRole('button', { name: /Light theme/ }).click();

    step('clone, then delete the clone from the list');
    await page.getByRole('button', { name: 'Clone' }).click();
    await page.locator('.dash-title', { hasText: 'Service overview (clone)' }).waitFor();
    await waitPainted(page);
    assert.equal(await page.locator('.dash-grid > .widget').count(), 8);
    await page.locator('.nav-link', { hasText: 'Dashboards' }).click();
    await page.locator('.dash-row').nth(1).waitFor();
    assert.deepEqual(await page.locator('.dash-link').allTextContents(), ['Service overview (clone)', 'Service overview']);
    await page.getByLabel('Search dashboards').fill('clone');
    assert.equal(await page.locator('.dash-row').count(), 1);
    await page.getByLabel('Search dashboards').fill('');
    await page.getByRole('button', { name: /modified/i }).click();
    assert.deepEqual(await page.locator('.dash-link').allTextContents(), ['Service overview', 'Service overview (clone)']);
    await page.screenshot({ path: join(out, 'dashboard-list.png') });
    await page.locator('.dash-row', { hasText: '(clone)' }).getByRole('button', { name: 'Delete' }).click();
    await page.locator('.modal').getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.dash-row').length === 1);
    assert.equal((await server.get('/api/v1/dashboard')).dashboards.length, 1);

    step('export the JSON and import it as a new dashboard');
    await page.goto(dashUrl);
    await waitPainted(page);
    await page.getByRole('button', { name: 'Export JSON' }).click();
    const exported = JSON.parse(await page.getByRole('textbox', { name: 'Dashboard JSON' }).inputValue());
    assert.equal(exported.title, 'Service overview');
    assert.equal(exported.layout_type, 'ordered');
    assert.equal(exported.widgets.length, 8);
    assert.deepEqual(exported.template_variables.map((t) => t.name), ['host']);
    assert.ok(exported.widgets.every((w) => typeof w.id === 'number' && w.layout && w.definition.type));
    assert.equal(await page.locator('.modal a[download]').getAttribute('download'), 'service-overview.json');
    await page.locator('.modal').getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.locator('.nav-link', { hasText: 'Dashboards' }).click();
    await page.getByRole('button', { name: 'Import JSON' }).click();
    await page.getByLabel('Dashboard JSON to import').fill('{"title": 1}');
    await page.locator('.modal').getByRole('button', { name: 'Import' }).click();
    assert.match(await page.locator('.modal .field-error').textContent(), /title/);
    await page.getByLabel('Dashboard JSON to import').fill(JSON.stringify({ ...exported, title: 'Service overview (imported)' }));
    await page.locator('.modal').getByRole('button', { name: 'Import' }).click();
    await page.locator('.dash-title', { hasText: 'Service overview (imported)' }).waitFor();
    await waitPainted(page);
    assert.deepEqual(Object.keys(await positions(page)).sort(), Object.keys(layout).sort());

    step("import Datadog's JSON with every widget type and one it does not support");
    await page.locator('.nav-link', { hasText: 'Dashboards' }).click();
    await page.getByRole('button', { name: 'Import JSON' }).click();
    // From a file, as Datadog's "Export dashboard JSON" saves it.
    const file = join(out, 'datadog-dashboard.json');
    writeFileSync(file, JSON.stringify(DATADOG_JSON, null, 2));
    await page.getByLabel('JSON file').setInputFiles(file);
    await page.waitForFunction(() => document.querySelector('textarea[aria-label="Dashboard JSON to import"]').value.includes('Imported from Datadog'));
    await page.locator('.modal').getByRole('button', { name: 'Import' }).click();
    await page.locator('.dash-title', { hasText: 'Imported from Datadog' }).waitFor();
    await waitPainted(page);
    assert.equal(await page.getByLabel('Template variable env').inputValue(), 'prod');
    const states = await page.$$eval('.dash-grid > .widget', (els) => els.map((e) => `${e.dataset.type}:${e.dataset.state}`));
    assert.deepEqual(states, ['timeseries:ready', 'query_value:ready', 'toplist:ready', 'query_table:ready', 'sunburst:ready', 'heatmap:ready', 'note:ready', 'slo:unsupported', 'timeseries:empty', 'group:ready', 'query_value:ready', 'timeseries:ready']);
    assert.match(await widget(page, 'db CPU').locator('.qv-number').textContent(), /^(69|70|71)$/);
    assert.match(await widget(page, 'Nothing reported').textContent(), /No data for this time range/);
    assert.match(await widget(page, 'An SLO').textContent(), /Widget type “slo” is not supported/);
    assert.equal(await widget(page, 'CPU now').locator('.qv').getAttribute('data-palette'), 'white_on_green');
    assert.deepEqual(await widget(page, 'CPU table').locator('thead th').allTextContents(), ['host', 'max cpu']);
    assert.ok((await canvasPixels(page, 'Requests')) > 500);
    await page.screenshot({ path: join(out, 'dashboard-imported-light.png') });
    await page.locator('.content').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.screenshot({ path: join(out, 'dashboard-imported-group-light.png') });
    await page.locator('.content').evaluate((e) => (e.scrollTop = 0));
    await page.getByRole('button', { name: /Dark theme/ }).click();
    await waitPainted(page);
    await sleep(300);
    await page.screenshot({ path: join(out, 'dashboard-imported-dark.png') });
    await page.locator('.content').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.screenshot({ path: join(out, 'dashboard-imported-group-dark.png') });
    await page.locator('.content').evaluate((e) => (e.scrollTop = 0));
    await page.getByRole('button', { name: /Light theme/ }).click();
    // The unknown fields came through the server and back.
    const id = /\/dashboard\/([^/?]+)/.exec(page.url())[1];
    const stored = await server.get(`/api/v1/dashboard/${id}`);
    assert.equal(stored.widgets[0].definition.legend_layout, 'auto');
    assert.equal(stored.widgets[7].definition.slo_id, 'abc');
    assert.equal(stored.widgets[9].definition.widgets.length, 2);

    step('a dashboard that does not exist says so');
    await page.goto(`${base}/dashboard/nop-nop-nop`);
    await page.locator('.error-box', { hasText: 'Dashboard nop-nop-nop not found' }).waitFor();

    if (perf) {
      step('performance: first paint of a 20-widget dashboard over 24 hours');
      const widgets = [];
      const q = (i) => `avg:ui.perf{host:node-${(i % 10) + 1}}`;
      for (let i = 0; i < 14; i++) widgets.push({ definition: { type: 'timeseries', title: `Series ${i + 1}`, requests: [{ q: i % 3 === 0 ? 'avg:ui.perf{*} by {host}' : q(i), display_type: ['line', 'area', 'bars'][i % 3] }] } });
      widgets.push({ definition: { type: 'query_value', title: 'Value', requests: [{ q: 'avg:ui.perf{*}', aggregator: 'avg' }] } });
      widgets.push({ definition: { type: 'query_value', title: 'Last', requests: [{ q: 'max:ui.perf{*}', aggregator: 'last' }] } });
      widgets.push({ definition: { type: 'toplist', title: 'Top', requests: [{ q: "top(avg:ui.perf{*} by {host}, 10, 'mean', 'desc')" }] } });
      widgets.push({ definition: { type: 'query_table', title: 'Table', requests: [{ q: 'avg:ui.perf{*} by {host}', aggregator: 'avg' }] } });
      widgets.push({ definition: { type: 'sunburst', title: 'Pie', requests: [{ q: 'sum:ui.perf{*} by {host}' }] } });
      widgets.push({ definition: { type: 'heatmap', title: 'Heatmap', requests: [{ q: 'avg:ui.perf{*} by {host}' }] } });
      const d = await server.post('/api/v1/dashboard', { title: 'Perf', layout_type: 'ordered', widgets });
      const url = `${base}/dashboard/${d.id}?t=1d`;
      const runs = [];
      for (let i = 0; i < 6; i++) {
        const p = await browser.newPage();
        const cdp = await p.context().newCDPSession(p);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        await p.goto(url);
        await p.waitForFunction(() => window.__heelerDashboardPaint !== undefined, null, { timeout: 30000 });
        const r = await p.evaluate(() => ({
          paint: window.__heelerDashboardPaint,
          fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
          widgets: document.querySelectorAll('.dash-grid > .widget').length,
          ready: document.querySelectorAll('.dash-grid > .widget[data-state="ready"]').length,
          queries: performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/query')).length,
          slowestQuery: Math.max(...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/query')).map((e) => e.duration)),
          lastQueryEnd: Math.max(...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/query')).map((e) => e.responseEnd)),
          dashboardJson: performance.getEntriesByType('resource').find((e) => /\/api\/v1\/dashboard\//.test(e.name))?.responseEnd ?? null,
        }));
        assert.equal(r.widgets, 20);
        assert.equal(r.ready, 20);
        if (i === 0) await p.screenshot({ path: join(out, 'dashboard-perf.png') });
        await p.close();
        // The first load warms the server's process; five more are measured.
        if (i > 0) runs.push(r);
        console.log(`    load ${i}: every widget drawn at ${r.paint.toFixed(0)} ms (first contentful paint ${r.fcp?.toFixed(0)} ms, dashboard JSON in at ${r.dashboardJson?.toFixed(0)} ms, ${r.queries} queries, slowest ${r.slowestQuery.toFixed(0)} ms, last answer in at ${r.lastQueryEnd.toFixed(0)} ms)`);
      }
      const paints = runs.map((r) => r.paint).sort((a, b) => a - b);
      const median = paints[Math.floor(paints.length / 2)];
      const result = { what: 'navigation start to every widget drawn, 20 widgets, 24 h range, 10 series of 1-minute points', runs: runs.map((r) => Math.round(r.paint)), median_ms: Math.round(median), max_ms: Math.round(paints[paints.length - 1]), target_ms: 1500 };
      writeFileSync(join(out, 'perf-dashboard.json'), JSON.stringify(result, null, 2));
      console.log(`    median ${result.median_ms} ms (runs ${result.runs.join(', ')})`);
      assert.ok(median <= 1500, `dashboard paint median ${median} ms > 1500 ms`);
    }
  },
});
