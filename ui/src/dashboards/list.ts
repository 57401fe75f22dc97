// /dashboards: every dashboard, searchable by title and sorted by when it changed,
// with New, Import, Clone and Delete.
import { errorBox, h } from '../dom';
import type { App, Page } from '../main';
import { confirmDialog, importDialog } from './dialogs';
import type { DashboardSummary } from './model';
import { createDashboard, dashboardPath, deleteDashboard, getDashboard, listDashboards } from './store';

function when(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function mountDashboardList(app: App): Page {
  let all: DashboardSummary[] = [];
  let desc = true;
  const search = h('input', { class: 'input search-input', type: 'search', placeholder: 'Search dashboards by title', 'aria-label': 'Search dashboards' });
  const status = h('div', { class: 'list-status' });
  const tbody = h('tbody');
  const sortBtn = h('button', { class: 'th-sort', 'aria-label': 'Sort by modified' });
  const count = h('span', { class: 'hint' });

  const open = (d: { id?: string; url?: string }) => app.go(dashboardPath(d));
  const newDashboard = async () => {
    try {
      const d = await createDashboard({ title: 'New dashboard', description: '', layout_type: 'ordered', widgets: [], template_variables: [] });
      app.go(`${dashboardPath(d)}?edit=1`);
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message));
    }
  };

  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = all
      .filter((d) => !q || d.title.toLowerCase().includes(q))
      .sort((a, b) => (desc ? -1 : 1) * (Date.parse(a.modified_at) - Date.parse(b.modified_at)) || a.title.localeCompare(b.title));
    sortBtn.textContent = `Modified ${desc ? '▼' : '▲'}`;
    count.textContent = `${rows.length} of ${all.length} dashboard${all.length === 1 ? '' : 's'}`;
    tbody.replaceChildren(
      ...rows.map((d) =>
        h(
          'tr',
          { class: 'dash-row', 'data-id': d.id },
          h('td', null, h('a', { class: 'dash-link', href: dashboardPath(d) }, d.title), d.description ? h('div', { class: 'hint dash-desc' }, d.description) : null),
          h('td', { class: 'muted' }, d.author_handle || '—'),
          h('td', { class: 'muted nowrap' }, when(d.modified_at)),
          h(
            'td',
            { class: 'row-actions' },
            h('button', { class: 'btn small', onclick: () => void clone(d) }, 'Clone'),
            h('button', { class: 'btn small danger-text', onclick: () => void remove(d) }, 'Delete'),
          ),
        ),
      ),
    );
    if (!all.length) status.replaceChildren(h('div', { class: 'empty' }, 'No dashboards yet. Create one, or import a JSON export.'));
    else if (!rows.length) status.replaceChildren(h('div', { class: 'empty' }, 'No dashboard title matches the search.'));
    else status.replaceChildren();
  };

  async function load(): Promise<void> {
    try {
      all = await listDashboards();
      render();
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message, () => void load()));
    }
  }
  async function clone(d: DashboardSummary): Promise<void> {
    try {
      const full = await getDashboard(d.id);
      await createDashboard({ ...full, title: `${full.title} (clone)` });
      await load();
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message));
    }
  }
  async function remove(d: DashboardSummary): Promise<void> {
    if (!(await confirmDialog('Delete dashboard', `Delete “${d.title}”? This cannot be undone.`, 'Delete'))) return;
    try {
      await deleteDashboard(d.id);
      await load();
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message));
    }
  }
  sortBtn.addEventListener('click', () => {
    desc = !desc;
    render();
  });
  search.addEventListener('input', render);

  const el = h(
    'section',
    { class: 'dash-list-page' },
    h(
      'div',
      { class: 'dash-list-bar' },
      search,
      count,
      h('div', { class: 'grow' }),
      h('button', { class: 'btn', onclick: () => importDialog(async (d) => open(await createDashboard(d))) }, 'Import JSON'),
      h('button', { class: 'btn primary', onclick: () => void newDashboard() }, '+ New dashboard'),
    ),
    h(
      'div',
      { class: 'card dash-list-card' },
      h('table', { class: 'dash-list' }, h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Author'), h('th', { 'aria-sort': 'descending' }, sortBtn), h('th', null, ''))), tbody),
      status,
    ),
  );
  void load();
  return {
    el,
    update() {},
    destroy() {},
  };
}
