// Drives the real Datadog browser SDKs (@datadog/browser-rum and browser-logs, pinned
// in package.json) in Debian's Chromium against a running `heeler serve`.
//
//   node browser_rum.js <intake base URL, e.g. http://127.0.0.1:8080>
//
// A small site is served from another origin on 127.0.0.1 (so the SDK posts
// cross-origin, as from a real page): a shop page whose button fetches an API that
// fails with 503, records a custom action, reports a handled error and throws an
// unhandled one, then a second page. The SDKs send through their `proxy` option to
// heeler's /api/v2/browser-intake. Prints one JSON line: {"session_id", "view_ids",
// "application_id"}.
'use strict';

const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

const intake = process.argv[2];
if (!intake) {
  console.error('usage: node browser_rum.js <intake base URL>');
  process.exit(2);
}
const APPLICATION_ID = 'app-browser-e2e';

const rumBundle = path.join(__dirname, 'node_modules/@datadog/browser-rum/bundle');
const logsBundle = path.join(__dirname, 'node_modules/@datadog/browser-logs/bundle');

function page(title, body) {
  return `<!doctype html><html><head><title>${title}</title>
<script src="/datadog-rum.js"></script><script src="/datadog-logs.js"></script>
<script>
  const proxy = ${JSON.stringify(intake + '/api/v2/browser-intake')};
  window.DD_RUM.init({
    applicationId: ${JSON.stringify(APPLICATION_ID)},
    clientToken: 'pub-e2e-token',
    site: 'datadoghq.com',
    service: 'shop-web',
    env: 'e2e',
    version: '1.2.3',
    proxy,
    sessionSampleRate: 100,
    sessionReplaySampleRate: 0,
    trackUserInteractions: true,
    trackResources: true,
    trackLongTasks: true,
    compressIntakeRequests: ${title === 'Shop'},
  });
  window.DD_RUM.setUser({ id: 'u-42', name: 'Alice', email: 'alice@example.com' });
  window.DD_RUM.setGlobalContextProperty('tenant', 't-7');
  window.DD_LOGS.init({
    clientToken: 'pub-e2e-token',
    site: 'datadoghq.com',
    service: 'shop-web',
    env: 'e2e',
    proxy,
    forwardErrorsToLogs: true,
    sessionSampleRate: 100,
  });
</script></head><body>${body}</body></html>`;
}

const shop = page(
  'Shop',
  `<h1>Cart</h1>
<button id="pay">Pay now</button>
<div id="out"></div>
<script>
  document.getElementById('pay').addEventListener('click', async () => {
    const r = await fetch('/api/pay', { method: 'POST', body: '{"amount":42}' });
    document.getElementById('out').textContent = 'status ' + r.status;
    window.DD_RUM.addAction('checkout', { cart_size: 3 });
    window.DD_RUM.addError(new Error('Payment failed'), { order_id: 'o-9' });
    window.DD_LOGS.logger.warn('payment retry scheduled', { order_id: 'o-9' });
    setTimeout(() => { throw new Error('Unhandled checkout crash'); }, 0);
  });
</script>`,
);
const done = page('Done', '<h1>Thanks</h1>');

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/datadog-rum.js' || url.pathname.startsWith('/chunks/')) {
    const file = path.join(rumBundle, url.pathname === '/datadog-rum.js' ? 'datadog-rum.js' : url.pathname);
    if (!file.startsWith(rumBundle)) return res.writeHead(400).end();
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return fs.createReadStream(file).pipe(res);
  }
  if (url.pathname === '/datadog-logs.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return fs.createReadStream(path.join(logsBundle, 'datadog-logs.js')).pipe(res);
  }
  if (url.pathname === '/api/pay') {
    req.resume();
    return req.on('end', () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}'));
  }
  if (url.pathname === '/cart') return res.writeHead(200, { 'content-type': 'text/html' }).end(shop);
  if (url.pathname === '/done') return res.writeHead(200, { 'content-type': 'text/html' }).end(done);
  res.writeHead(404).end();
});

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const site = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const intakeAnswers = [];
  try {
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on('response', (r) => {
      if (r.url().startsWith(intake)) intakeAnswers.push(r.status());
    });
    await tab.goto(`${site}/cart`);
    await tab.waitForFunction(() => window.DD_RUM && window.DD_RUM.getInternalContext());
    const first = await tab.evaluate(() => window.DD_RUM.getInternalContext());
    await tab.click('#pay');
    await tab.waitForFunction(() => document.getElementById('out').textContent === 'status 503');
    await tab.waitForTimeout(500);
    await tab.goto(`${site}/done`);
    await tab.waitForFunction(() => window.DD_RUM && window.DD_RUM.getInternalContext());
    const second = await tab.evaluate(() => window.DD_RUM.getInternalContext());
    await tab.waitForTimeout(500);
    // Hiding the page makes the SDKs flush what they hold.
    await tab.close({ runBeforeUnload: true });
    await context.close();
    const bad = intakeAnswers.filter((s) => s < 200 || s >= 300);
    if (bad.length) throw new Error(`the intake answered ${bad.join(', ')}`);
    console.log(
      JSON.stringify({
        session_id: first.session_id,
        view_ids: [first.view.id, second.view.id],
        application_id: first.application_id,
        intake_requests: intakeAnswers.length,
      }),
    );
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
