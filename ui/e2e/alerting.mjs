// Alerting end to end: a webhook channel created in the UI, a monitor whose message
// (written with the message helper) mentions it, the alert delivered to a real HTTP
// receiver started here, the delivery listed on the status page; then a downtime
// scheduled in the UI silences the next notifications, and is cancelled.
//   node e2e/alerting.mjs <path to heeler>
import { createServer } from 'node:http';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { freePort, out, runSpec, sleep, step } from './harness.mjs';

const METRIC = 'ui.alert.cpu';
const TITLE = '[Triggered on {host:web-1}] CPU high on web-1';

// A webhook receiver on loopback that records every request.
function startReceiver() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      let json = null;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ method: req.method, path: req.url, headers: req.headers, body, json });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ requests, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })));
}

async function waitFor(what, fn, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// Points for web-1 over the last five minutes, offset so they sit between the ones
// already stored: they pull the window's average down or up.
async function loadWeb1(server, value, offset) {
  const now = Math.floor(Date.now() / 1000);
  const points = [];
  for (let t = now - 300 + offset; t <= now; t += 20) points.push([t, value]);
  await server.post('/api/v1/series', { series: [{ metric: METRIC, type: 'gauge', host: 'web-1', points, tags: ['env:prod'] }] });
}

// runSpec ends the process, which closes the receiver.
const receiver = await startReceiver();
const hooks = () => receiver.requests.filter((r) => r.path === '/hook');

await runSpec('alerting', {
  serveArgs: ['--set', 'monitors.interval_seconds=1', '--set', 'notifications.backoff_ms=100'],
  async load(server) {
    const now = Math.floor(Date.now() / 1000);
    const series = [];
    for (const [host, level] of [['web-1', 95], ['web-2', 20]]) {
      const points = [];
      for (let t = now - 10 * 60; t <= now; t += 20) points.push([t, level]);
      series.push({ metric: METRIC, type: 'gauge', host, points, tags: ['env:prod'] });
    }
    await server.post('/api/v1/series', { series });
  },
  async body({ server, page }) {
    const { base } = server;
    const shot = async (name, tall = false) => {
      if (tall) {
        const height = await page.evaluate(() => document.querySelector('.content').scrollHeight + 80);
        await page.setViewportSize({ width: 1400, height: Math.min(2600, Math.max(860, height)) });
        await page.waitForTimeout(300);
      }
      await page.screenshot({ path: join(out, `monitors-${name}.png`) });
      if (tall) await page.setViewportSize({ width: 1400, height: 860 });
    };

    step('notification channels: a bad name is refused inline with the server’s message');
    await page.goto(`${base}/monitors`);
    await page.locator('.mon-tabs').getByRole('link', { name: 'Notification channels' }).click();
    await page.waitForURL(/\/monitors\/settings$/);
    assert.equal(await page.locator('.page-title').textContent(), 'Notification channels');
    await page.waitForSelector('.mon-channel-card[data-kind="webhook"] .empty');
    const hookCard = page.locator('.mon-channel-card[data-kind="webhook"]');
    await hookCard.getByRole('button', { name: '+ New webhook' }).click();
    await page.getByLabel('Channel name').fill('bad name');
    await page.getByLabel('URL').fill(`${receiver.url}/hook`);
    await hookCard.getByRole('button', { name: 'Create webhook' }).click();
    await hookCard.locator('.error-box').waitFor();
    assert.match(await hookCard.locator('.error-box').textContent(), /Could not save: name 'bad name' may hold only letters, digits, - and _/);

    step('a webhook with a payload built from the variable list, and custom headers');
    await page.getByLabel('Channel name').fill('ops');
    assert.equal(await hookCard.locator('.mon-channel-editor .hint .mon-mention').textContent(), '@webhook-ops');
    const payload = page.getByLabel('Payload', { exact: true });
    await payload.click();
    await page.keyboard.type('{"title": "');
    await hookCard.locator('.mon-var-list button', { hasText: '$EVENT_TITLE' }).click();
    await page.keyboard.type('", "transition": "');
    await hookCard.locator('.mon-var-list button', { hasText: '$ALERT_TRANSITION' }).click();
    await page.keyboard.type('", "scope": "');
    await hookCard.locator('.mon-var-list button', { hasText: '$ALERT_SCOPE' }).click();
    await page.keyboard.type('"}');
    assert.equal(await payload.inputValue(), '{"title": "$EVENT_TITLE", "transition": "$ALERT_TRANSITION", "scope": "$ALERT_SCOPE"}');
    await hookCard.locator('.mon-valid', { hasText: 'Valid JSON' }).waitFor();
    await page.getByLabel('Custom headers').fill('{"X-Heeler-Test": 1}');
    await hookCard.locator('.field-error', { hasText: 'string values' }).waitFor();
    await page.getByLabel('Custom headers').fill('{"X-Heeler-Test": "alerting"}');
    await shot('settings-editor', true);
    assert.equal(await hookCard.locator('.error-box').count(), 0, 'the refusal is cleared once the form changes');
    await hookCard.getByRole('button', { name: 'Create webhook' }).click();
    await hookCard.locator('tr[data-name="ops"]').waitFor();
    assert.equal(await hookCard.locator('tr[data-name="ops"] .mon-mention').textContent(), '@webhook-ops');
    const saved = await server.get('/api/v1/integration/webhooks/configuration/webhooks/ops');
    assert.equal(saved.url, `${receiver.url}/hook`);
    assert.deepEqual(JSON.parse(saved.custom_headers), { 'X-Heeler-Test': 'alerting' });

    step('a Slack channel (listed, not mentioned by the monitor)');
    const slackCard = page.locator('.mon-channel-card[data-kind="slack"]');
    await slackCard.getByRole('button', { name: '+ New Slack channel' }).click();
    await page.getByLabel('Channel name').fill('team-web');
    await page.getByLabel('URL').fill(`${receiver.url}/slack`);
    await slackCard.getByRole('button', { name: 'Create Slack channel' }).click();
    await slackCard.locator('tr[data-name="team-web"]').waitFor();
    assert.equal(await slackCard.locator('tr[data-name="team-web"] .mon-mention').textContent(), '@slack-team-web');
    await shot('settings');

    step('a monitor whose message is written with the helper');
    await page.locator('.mon-tabs').getByRole('link', { name: 'Manage Monitors' }).click();
    await page.locator('.mon-list-head').getByRole('link', { name: /New monitor/ }).click();
    await page.waitForURL(/\/monitors\/new$/);
    await page.getByLabel('Metric', { exact: true }).fill(METRIC);
    await page.getByLabel('Group by', { exact: true }).fill('host');
    await page.getByLabel('Alert threshold', { exact: true }).fill('90');
    await page.waitForFunction((q) => document.querySelector('.mon-query-text')?.textContent === q, `avg(last_5m):avg:${METRIC}{*} by {host} > 90`);
    await page.getByLabel('Monitor name').fill('CPU high on {{host.name}}');
    const helper = page.getByRole('toolbar', { name: 'Template helper' });
    // The group variable follows the group-by, and the channels are offered as mentions.
    await helper.locator('.mon-chip.group', { hasText: '{{host.name}}' }).waitFor();
    await helper.locator('.mon-chip.mention', { hasText: '@webhook-ops' }).waitFor();
    assert.ok(await helper.locator('.mon-chip.mention', { hasText: '@slack-team-web' }).count());
    const message = page.getByLabel('Message', { exact: true });
    // A variable the query does not group by: the server's error under the message, at its position.
    await message.fill('Load on {{service.name}}');
    await page.locator('.mon-field-check .syntax-message').waitFor();
    assert.equal(await page.locator('.mon-field-check .syntax-message').textContent(), 'At 8: {{service.name}} needs the monitor grouped by service');
    assert.equal(await page.locator('.mon-field-check .syntax-where mark').textContent(), '{');
    await message.fill('');
    await page.waitForFunction(() => !document.querySelector('.mon-field-check .syntax-error'));
    await message.click();
    await helper.locator('.mon-chip.section', { hasText: 'Alert' }).click();
    await page.keyboard.type('CPU is ');
    await helper.getByRole('button', { name: '{{value}}' }).click();
    await page.keyboard.type(' on ');
    await helper.locator('.mon-chip.group', { hasText: '{{host.name}}' }).click();
    await page.keyboard.press('ControlOrMeta+End');
    await helper.locator('.mon-chip.mention', { hasText: '@webhook-ops' }).click();
    assert.equal(await message.inputValue(), '{{#is_alert}}CPU is {{value}} on {{host.name}}{{/is_alert}} @webhook-ops');
    // Completion as it is typed: a section with its closing tag, a variable, a channel.
    await page.keyboard.type(' {{#is_rec');
    await page.locator('.mon-complete .mon-complete-item.active', { hasText: '{{#is_recovery}}…{{/is_recovery}}' }).waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type('Back to {{val');
    await page.locator('.mon-complete .mon-complete-item.active', { hasText: '{{value}}' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(', tell @sl');
    await page.locator('.mon-complete .mon-complete-item.active', { hasText: '@slack-team-web' }).waitFor();
    await page.locator('.mon-step').nth(3).scrollIntoViewIfNeeded();
    await shot('notifications-complete');
    await page.keyboard.press('Escape');
    assert.ok(await page.locator('.mon-complete').isHidden(), 'Escape closes the list');
    for (let i = 0; i < ', tell @sl'.length; i++) await page.keyboard.press('Backspace');
    assert.equal(await message.inputValue(), '{{#is_alert}}CPU is {{value}} on {{host.name}}{{/is_alert}} @webhook-ops {{#is_recovery}}Back to {{value}}{{/is_recovery}}');
    // A mention of a channel that does not exist is pointed out.
    await message.press('End');
    await page.keyboard.type(' @webhook-nope');
    await page.locator('.mon-warn-text', { hasText: '@webhook-nope is not a configured channel' }).waitFor();
    for (let i = 0; i < ' @webhook-nope'.length; i++) await message.press('Backspace');
    await page.waitForFunction(() => !document.querySelector('.mon-warn-text'));
    await page.waitForSelector('.mon-valid');
    await page.locator('.mon-step').nth(3).scrollIntoViewIfNeeded();
    await shot('notifications-form');
    await page.getByRole('button', { name: 'Create monitor' }).click();
    await page.waitForURL(/\/monitors\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    step('it alerts, and the receiver gets the rendered webhook');
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'Alert', null, { timeout: 30_000 });
    const first = await waitFor('the webhook POST', () => hooks()[0]);
    assert.equal(first.method, 'POST');
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['x-heeler-test'], 'alerting');
    assert.deepEqual(first.json, { title: TITLE, transition: 'Triggered', scope: 'host:web-1' });
    assert.equal(receiver.requests.filter((r) => r.path === '/slack').length, 0, 'the Slack channel is not mentioned');

    step('the Notifications panel lists the delivery; the graph marks the state change');
    const delivered = page.locator('.mon-delivery[data-status="delivered"][data-channel="@webhook-ops"]');
    await delivered.first().waitFor({ timeout: 20_000 });
    assert.match(await delivered.first().textContent(), /host:web-1.*Triggered.*Webhook.*@webhook-ops.*Delivered.*HTTP 200/);
    assert.match(await page.locator('.mon-delivery-counts').textContent(), /1 delivered/);
    await page.locator('.mon-event-key', { hasText: /1 state change/ }).waitFor({ timeout: 20_000 });
    await shot('notifications', true);

    step('a downtime for the monitor’s web-1 groups, scheduled in the UI');
    await page.locator('.mon-status-actions').getByRole('link', { name: 'Schedule downtime' }).click();
    await page.waitForURL(/\/monitors\/downtimes\?monitor=\d+$/);
    const form = page.getByRole('form', { name: 'Schedule downtime' });
    await form.waitFor();
    assert.equal(await page.getByLabel('Monitor', { exact: true }).inputValue(), String(id));
    await page.getByLabel('Group scope').fill('host:web-1');
    await page.getByLabel('Downtime message').fill('Deploying web-1');
    // A weekly repeat is described in words; a bad period is refused by the server.
    await page.getByLabel('End', { exact: true }).selectOption('for');
    await page.getByLabel('Repeat', { exact: true }).selectOption('weeks');
    await form.locator('.mon-dt-summary', { hasText: 'Pick the days of the week' }).waitFor();
    await form.locator('.mon-day', { hasText: 'Sat' }).click();
    await form.locator('.mon-day', { hasText: 'Sun' }).click();
    await form.locator('.mon-dt-summary', { hasText: /Every Sat and Sun, \d\d:\d\d UTC for 1 h/ }).waitFor();
    await shot('downtimes-form', true);
    await page.getByLabel('Repeat every').fill('0');
    await form.getByRole('button', { name: 'Schedule downtime' }).click();
    await form.locator('.error-box', { hasText: 'recurrence.period must be a whole number from 1' }).waitFor();
    // The one wanted: from now until cancelled.
    await page.getByLabel('Repeat every').fill('1');
    await page.getByLabel('Repeat', { exact: true }).selectOption('none');
    await page.getByLabel('End', { exact: true }).selectOption('cancelled');
    await form.locator('.mon-dt-summary', { hasText: /Silences CPU high on \{\{host.name\}\} for host:web-1: From .* UTC until cancelled/ }).waitFor();
    await form.getByRole('button', { name: 'Schedule downtime' }).click();
    const row = page.locator('.mon-downtime-row').first();
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'active');
    assert.match(await row.textContent(), /Active.*CPU high on \{\{host.name\}\}.*host:web-1.*until cancelled.*Deploying web-1/);
    const downtimes = await server.get('/api/v1/downtime');
    assert.equal(downtimes.length, 1);
    assert.deepEqual([downtimes[0].monitor_id, downtimes[0].scope, downtimes[0].end, downtimes[0].active], [id, ['host:web-1'], null, true]);
    const dtId = downtimes[0].id;
    await shot('downtimes');

    step('the monitor shows as muted in the list and on its page');
    await page.locator('.mon-tabs').getByRole('link', { name: 'Manage Monitors' }).click();
    await page.waitForSelector(`.mon-row[data-id="${id}"] .mon-muted`);
    assert.equal(await page.locator(`.mon-row[data-id="${id}"] .mon-muted`).textContent(), 'Muted: host:web-1');
    assert.equal(await page.locator(`.mon-row[data-id="${id}"]`).getByRole('button', { name: 'Unmute' }).count(), 1);
    await shot('list-muted');
    await page.locator(`.mon-row[data-id="${id}"] .mon-name`).click();
    await page.waitForSelector('.mon-status-head .mon-muted');

    step('it recovers and alerts again: both notifications silenced, none sent');
    const sent = hooks().length;
    await loadWeb1(server, 0, 10);
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'OK', null, { timeout: 30_000 });
    await loadWeb1(server, 300, 5);
    await page.waitForFunction(() => document.querySelector('.mon-state-block .mon-badge')?.textContent === 'Alert', null, { timeout: 30_000 });
    const silenced = page.locator('.mon-delivery[data-status="silenced"]');
    await page.waitForFunction(() => document.querySelectorAll('.mon-delivery[data-status="silenced"]').length === 2, null, { timeout: 20_000 });
    assert.deepEqual((await silenced.locator('td:nth-child(3)').allTextContents()).sort(), ['Recovered', 'Triggered']);
    assert.equal(await silenced.first().locator('.mon-delivery-badge').textContent(), `Silenced by downtime #${dtId}`);
    // The history says so too (the server counts them as notified).
    await page.waitForFunction(() => document.querySelectorAll('.mon-transition .c-notified.n-silenced').length === 2);
    assert.equal(await page.locator('.mon-transition .c-notified', { hasText: 'yes' }).count(), 1);
    await sleep(1500);
    assert.equal(hooks().length, sent, 'no webhook is sent while the downtime is active');
    await page.locator('.mon-event-key', { hasText: /3 state changes/ }).waitFor({ timeout: 20_000 });
    await page.locator('.mon-notifications-card').scrollIntoViewIfNeeded();
    await shot('notifications-silenced', true);

    step('cancel the downtime, with a confirmation');
    await page.locator('.nav-link', { hasText: 'Monitors' }).click();
    await page.locator('.mon-tabs').getByRole('link', { name: 'Downtimes' }).click();
    await page.waitForURL(/\/monitors\/downtimes$/);
    await page.locator(`.mon-downtime-row[data-id="${dtId}"]`).getByRole('button', { name: 'Cancel downtime' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel downtime' }).click();
    await page.waitForSelector(`.mon-downtime-row[data-id="${dtId}"][data-state="cancelled"]`);
    assert.equal((await server.get(`/api/v1/downtime/${dtId}`)).disabled, true);
    assert.equal(await page.locator(`.mon-downtime-row[data-id="${dtId}"] button`).count(), 0);
    await page.getByLabel('Hide ended and cancelled downtimes').check();
    await page.waitForSelector('.mon-list-body .empty');
    await page.getByLabel('Hide ended and cancelled downtimes').uncheck();
    await shot('downtimes-cancelled');

    step('a channel that cannot be reached: the delivery is listed as failed, in red');
    const dead = `http://127.0.0.1:${await freePort()}/hook`;
    await page.locator('.mon-tabs').getByRole('link', { name: 'Notification channels' }).click();
    await hookCard.locator('tr[data-name="ops"]').getByRole('button', { name: 'Edit' }).click();
    assert.equal(await page.getByLabel('Channel name').isDisabled(), true, 'a channel keeps its name');
    await page.getByLabel('URL').fill(dead);
    await hookCard.getByRole('button', { name: 'Save' }).click();
    await hookCard.locator('tr[data-name="ops"] .c-url', { hasText: dead }).waitFor();
    await page.goto(`${base}/monitors/${id}`);
    await loadWeb1(server, -1000, 15);
    const failed = page.locator('.mon-delivery[data-status="failed"]');
    await failed.first().waitFor({ timeout: 30_000 });
    assert.match(await failed.first().textContent(), /Recovered.*@webhook-ops.*Failed after \d+ attempts/);
    assert.equal(await failed.first().locator('.mon-delivery-badge').evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(217, 66, 79)');
    assert.notEqual(await failed.first().locator('td').first().evaluate((e) => getComputedStyle(e).backgroundColor), 'rgba(0, 0, 0, 0)');
    assert.ok((await failed.first().locator('.c-detail').textContent()).length > 0, 'the error is shown');
    await page.waitForSelector('.mon-transition .c-notified.n-failed');
    await page.locator('.mon-notifications-card').scrollIntoViewIfNeeded();
    await shot('notifications-failed', true);

    step('mute and unmute from the status page');
    await page.goto(`${base}/monitors/${id}`);
    await page.waitForSelector('.mon-status-actions');
    assert.equal(await page.locator('.mon-status-head .mon-muted').count(), 0);
    await page.locator('.mon-status-actions').getByRole('button', { name: 'Mute' }).click();
    await page.getByRole('dialog').getByLabel('Mute for').selectOption('3600');
    await page.getByRole('dialog').getByRole('button', { name: 'Mute' }).click();
    await page.waitForSelector('.mon-status-head .mon-muted');
    assert.equal(await page.locator('.mon-status-head .mon-muted').textContent(), 'Muted');
    await page.locator('.mon-status-actions').getByRole('button', { name: 'Unmute' }).click();
    await page.waitForFunction(() => !document.querySelector('.mon-status-head .mon-muted'));

    step('dark theme');
    await page.click('.theme-toggle');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.waitForSelector('.mon-status-body canvas');
    await page.locator('.mon-notifications-card').scrollIntoViewIfNeeded();
    await shot('notifications-dark', true);
    await page.goto(`${base}/monitors/downtimes`);
    await page.waitForSelector(`.mon-downtime-row[data-id="${dtId}"]`);
    await page.getByRole('button', { name: '+ Schedule downtime' }).click();
    await page.getByLabel('Repeat', { exact: true }).selectOption('weeks');
    await page.locator('.mon-day', { hasText: 'Mon' }).click();
    await page.getByLabel('End', { exact: true }).selectOption('for');
    await shot('downtimes-dark', true);
    await page.goto(`${base}/monitors/settings`);
    await page.waitForSelector('.mon-channel-card[data-kind="webhook"] tr[data-name="ops"]');
    await page.locator('.mon-channel-card[data-kind="webhook"] tr[data-name="ops"]').getByRole('button', { name: 'Edit' }).click();
    await page.waitForFunction(() => document.querySelector('textarea[aria-label="Payload"]')?.value.includes('$EVENT_TITLE'));
    assert.equal(await page.getByLabel('Channel name').isDisabled(), true);
    await shot('settings-dark', true);
    await page.click('.theme-toggle');
  },
});
