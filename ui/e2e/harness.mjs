// What every browser test of the web UI shares: a real `heeler serve` on free loopback
// ports, fed through its intake, and Debian's Chromium driven by playwright-core (never
// a downloaded browser). A spec file is run as
//   node e2e/<spec>.mjs <path to heeler> [--perf]
// and exits 77 (skipped) when /usr/bin/chromium is absent. Screenshots go to
// ui/test-output/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.HEELER_CHROMIUM || '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
export const uiDir = resolve(here, '..');
export const out = join(uiDir, 'test-output');
export const clients = resolve(uiDir, '..', 'tests', 'clients');
export const perf = process.argv.includes('--perf');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

let currentStep = '';
export function step(name) {
  currentStep = name;
  console.log(`--- ${name}`);
}

// Starts heeler with the UI from ui/dist and waits until it is ready.
async function startHeeler(binary, extraArgs) {
  const root = mkdtempSync(join(tmpdir(), 'heeler-ui-e2e-'));
  const port = await freePort();
  const apmPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--data-dir', join(root, 'data'), '--listen', `127.0.0.1:${port}`, '--otlp-http-listen', '127.0.0.1:0', '--otlp-grpc-listen', '127.0.0.1:0', '--apm-listen', `127.0.0.1:${apmPort}`, '--dogstatsd-listen', '127.0.0.1:0', '--set', 'api.sql_enabled=true', '--set', `ui.dir=${join(uiDir, 'dist')}`, ...extraArgs];
  const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  const server = {
    base,
    port,
    apmPort,
    root,
    log: () => log,
    async post(path, body, method = 'POST') {
      const r = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async get(path) {
      const r = await fetch(base + path);
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {}
    if (i > 600 || proc.exitCode !== null) throw new Error(`heeler did not become ready:\n${log}`);
    await sleep(100);
  }
  return server;
}

async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'heeler-ui-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 860 },
  });
  return { browser, profile };
}

// Runs one spec: `body({ server, browser, page, pageErrors })` after the server is up
// and the browser launched; `load(server)` first feeds data. Exits with the result.
export async function runSpec(name, { serveArgs = [], load, body }) {
  const binary = process.argv[2];
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is absent; install Debian's chromium (apt-get install chromium) to run the UI tests`);
    process.exit(77);
  }
  if (!binary || !existsSync(binary)) throw new Error(`usage: node e2e/${name}.mjs <heeler binary>; got ${binary}`);
  if (!existsSync(join(uiDir, 'dist', 'index.html'))) throw new Error('ui/dist is not built: run npm run build in ui/');
  mkdirSync(out, { recursive: true });
  let server;
  let browser;
  let profile;
  let failed = false;
  try {
    step('start heeler');
    server = await startHeeler(binary, serveArgs);
    const ctx = { server };
    if (load) {
      step('load data through the intake');
      Object.assign(ctx, (await load(server)) ?? {});
    }
    step('launch chromium');
    ({ browser, profile } = await launchBrowser());
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors = [];
    page.on('pageerror', (e) => {
      pageErrors.push(String(e));
      console.error('page error:', e);
    });
    await body({ ...ctx, browser, page, pageErrors });
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
    console.log(`PASS: ${name}`);
  } catch (e) {
    failed = true;
    console.error(`FAIL in step "${currentStep}":`, e);
    try {
      const p = browser?.pages()[0];
      if (p) await p.screenshot({ path: join(out, `${name}-failure.png`) });
    } catch {}
    if (server) console.error(`server log (tail):\n${server.log().slice(-4000)}`);
  } finally {
    await browser?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop().catch(() => {});
  }
  process.exit(failed ? 1 : 0);
}
