// The shell: navigation by product area, the global time picker, the theme, and the
// URL as the one source of truth for what a view shows.
import './style.css';
import { h } from './dom';
import { mountDashboardList } from './dashboards/list';
import { mountDashboard } from './dashboards/page';
import { mountLogs } from './logs';
import { mountMetrics } from './metrics';
import { mountMonitors } from './monitors';
import { mountTrace } from './trace';
import { mountTraces } from './traces';
import { decodeState, encodeState, ViewState } from './state';
import { timePicker } from './timepicker';

export interface Page {
  el: HTMLElement;
  update(state: ViewState, prev: ViewState): void;
  destroy(): void;
}

export interface App {
  state(): ViewState;
  // Changes the view; `replace` keeps one history entry while typing.
  set(patch: Partial<ViewState>, opts?: { replace?: boolean }): void;
  go(url: string): void;
}

const AREAS: { path: string; label: string; icon: string }[] = [
  { path: '/dashboards', label: 'Dashboards', icon: '▦' },
  { path: '/metric/explorer', label: 'Metrics', icon: '∿' },
  { path: '/logs', label: 'Logs', icon: '☰' },
  { path: '/apm/traces', label: 'APM / Traces', icon: '⇶' },
  { path: '/monitors', label: 'Monitors', icon: '◉' },
];
// Areas with a page in this build; the others stay out of the navigation.
const BUILT = new Set(['/dashboards', '/metric/explorer', '/logs', '/apm/traces', '/monitors']);

// Each trace (/apm/traces/<id>) is a page of its own, so moving between traces
// loads the other one.
function pageKey(path: string): string {
  if (path.startsWith('/dashboard/')) return path.split('/').slice(0, 3).join('/');
  return path;
}

function start(): void {
  const root = document.getElementById('app')!;
  let state = decodeState(location.pathname, location.search);
  let page: Page | null = null;
  let pageFor = '';

  const nav = h('nav', { class: 'nav', 'aria-label': 'Product areas' });
  nav.append(h('a', { class: 'brand', href: '/metric/explorer' }, h('span', { class: 'brand-mark' }, 'H'), 'Heeler'));
  const links = new Map<string, HTMLAnchorElement>();
  for (const area of AREAS) {
    if (!BUILT.has(area.path)) continue;
    const a = h('a', { class: 'nav-link', href: area.path }, h('span', { class: 'nav-icon', 'aria-hidden': 'true' }, area.icon), area.label);
    links.set(area.path, a);
    nav.append(a);
  }
  const themeBtn = h('button', { class: 'btn theme-toggle', title: 'Toggle dark and light theme' });
  const setTheme = (t: string) => {
    document.documentElement.dataset.theme = t;
    themeBtn.textContent = t === 'dark' ? '☀ Light theme' : '☾ Dark theme';
    try {
      localStorage.setItem('heeler.theme', t);
    } catch {
      /* private mode: not remembered */
    }
    window.dispatchEvent(new Event('heeler-theme'));
  };
  themeBtn.addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
  setTheme(document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');
  nav.append(h('div', { class: 'nav-spacer' }), themeBtn);

  const title = h('h1', { class: 'page-title' });
  const picker = timePicker(() => state, (patch) => app.set(patch));
  const header = h('header', { class: 'topbar' }, title, picker.el);
  const main = h('main', { class: 'content' });
  root.append(nav, h('div', { class: 'page' }, header, main));

  const app: App = {
    state: () => state,
    set(patch, opts) {
      const prev = state;
      state = { ...state, ...patch };
      const url = encodeState(state);
      if (opts?.replace) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
      render(prev);
    },
    go(url) {
      history.pushState(null, '', url);
      const prev = state;
      state = decodeState(location.pathname, location.search);
      render(prev);
    },
  };

  function render(prev: ViewState | null): void {
    const key = pageKey(state.page);
    for (const [path, a] of links)
      a.classList.toggle('active', state.page === path || state.page.startsWith(path + '/') || (path === '/dashboards' && state.page.startsWith('/dashboard/')));
    picker.update();
    if (key !== pageFor || !page) {
      page?.destroy();
      main.replaceChildren();
      pageFor = key;
      if (key === '/logs') {
        title.textContent = 'Log Explorer';
        page = mountLogs(app);
      } else if (key === '/dashboards') {
        title.textContent = 'Dashboards';
        page = mountDashboardList(app);
      } else if (key.startsWith('/dashboard/')) {
        title.textContent = 'Dashboard';
        page = mountDashboard(app, decodeURIComponent(key.slice('/dashboard/'.length)));
      } else if (key === '/monitors' || key.startsWith('/monitors/')) {
        page = mountMonitors(app, state.page, (t) => (title.textContent = t));
      } else if (key === '/apm/traces') {
        title.textContent = 'Trace Explorer';
        page = mountTraces(app);
      } else if (key.startsWith('/apm/traces/')) {
        title.textContent = 'Trace';
        page = mountTrace(app, decodeURIComponent(state.page.slice('/apm/traces/'.length)));
      } else {
        if (state.page !== '/metric/explorer') {
          state = { ...state, page: '/metric/explorer' };
          history.replaceState(null, '', encodeState(state));
          links.get('/metric/explorer')?.classList.add('active');
        }
        title.textContent = 'Metrics Explorer';
        page = mountMetrics(app);
      }
      main.append(page.el);
      page.update(state, prev ?? state);
    } else {
      page.update(state, prev ?? state);
    }
  }

  // In-app links navigate without a reload.
  document.addEventListener('click', (e) => {
    const a = (e.target as Element).closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    e.preventDefault();
    // Moving to another area keeps the time range but not the query.
    if (BUILT.has(url.pathname) && !url.search) app.set({ page: url.pathname, query: '', selected: null, list: 'spans', sort: '', view: 'waterfall', tab: 'tags' });
    else app.go(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => {
    const prev = state;
    state = decodeState(location.pathname, location.search);
    render(prev);
  });
  render(null);
}

start();
