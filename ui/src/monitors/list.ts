// Manage Monitors: every monitor with its state, counts per state as quick filters,
// a search over names, `status:` and `tag:`, and edit, clone and delete per row.
import { ApiError, isAbort } from '../api';
import { errorBox, h } from '../dom';
import type { App, Page } from '../main';
import type { ViewState } from '../state';
import { deleteMonitor, Downtime, listDowntimes, listMonitors, Monitor, muteMonitor, unmuteMonitor } from './api';
import { appliesTo, muteState } from './downtime';
import { ago, filterMonitors, formatListSearch, parseListSearch, statusCounts, statusRank, STATUSES, statusClass, toggleStatus } from './model';
import { kindOf } from './querycompose';
import { areaTabs, confirmDialog, mutedBadge, statusBadge, tagChips } from './widgets';

export const TYPE_LABELS: Record<string, string> = { metric: 'Metric', logs: 'Logs', 'trace-analytics': 'APM Trace Analytics', rum: 'RUM', composite: 'Composite' };

export function typeLabel(type: string): string {
  const k = kindOf(type);
  return k ? TYPE_LABELS[k] : type;
}

export function mountMonitorList(app: App): Page {
  let abort: AbortController | null = null;
  let monitors: Monitor[] = [];
  // The active downtimes: the list API does not say which monitors are muted, so the
  // list matches them here as the server does (monitor id and monitor tags).
  let active: Downtime[] = [];
  let loadedFor = '';
  let timer: number | undefined;
  let typing: number | undefined;

  const search = h('input', {
    class: 'input mon-search',
    type: 'search',
    placeholder: 'Search monitors by name, or filter with status:alert tag:team:web',
    'aria-label': 'Search monitors',
    spellcheck: false,
    autocomplete: 'off',
  });
  const tagSelect = h('select', { class: 'input', 'aria-label': 'Filter by tag' });
  const counts = h('div', { class: 'mon-counts', role: 'group', 'aria-label': 'Status counts' });
  const notice = h('div', { class: 'mon-notice' });
  const body = h('div', { class: 'mon-list-body' });
  const el = h(
    'section',
    { class: 'mon-page mon-list-page' },
    areaTabs('monitors'),
    h(
      'div',
      { class: 'mon-list-head' },
      h('div', null, h('h2', { class: 'mon-h2' }, 'Manage Monitors'), h('div', { class: 'hint' }, 'Monitors watch a metric, log or trace query and alert when it crosses a threshold.')),
      h('a', { class: 'btn primary', href: '/monitors/new' }, '+ New monitor'),
    ),
    counts,
    h('div', { class: 'card mon-filter-bar' }, search, tagSelect),
    notice,
    h('div', { class: 'card mon-table-card' }, body),
  );

  search.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => app.set({ query: search.value.trim() }, { replace: true }), 250);
  });
  tagSelect.addEventListener('change', () => {
    const s = parseListSearch(app.state().query);
    s.tags = tagSelect.value ? [tagSelect.value] : [];
    app.set({ query: formatListSearch(s) });
  });

  function renderCounts(all: Monitor[], s: ReturnType<typeof parseListSearch>): void {
    const c = statusCounts(all);
    const allBtn = h(
      'button',
      { class: `mon-count s-all${s.statuses.length === 0 ? ' active' : ''}`, onclick: () => app.set({ query: formatListSearch({ ...s, statuses: [] }) }) },
      h('span', { class: 'mon-count-n' }, String(all.length)),
      h('span', { class: 'mon-count-label' }, 'All monitors'),
    );
    counts.replaceChildren(
      allBtn,
      ...STATUSES.map((st) =>
        h(
          'button',
          {
            class: `mon-count s-${statusClass(st)}${s.statuses.includes(st) ? ' active' : ''}${c[st] ? '' : ' zero'}`,
            'data-status': st,
            'aria-pressed': String(s.statuses.includes(st)),
            onclick: () => app.set({ query: toggleStatus(app.state().query, st) }),
          },
          h('span', { class: 'mon-count-n' }, String(c[st] ?? 0)),
          h('span', { class: 'mon-count-label' }, st),
        ),
      ),
    );
  }

  function renderTags(all: Monitor[], s: ReturnType<typeof parseListSearch>): void {
    const tags = [...new Set([...all.flatMap((m) => m.tags), ...s.tags])].sort();
    tagSelect.replaceChildren(h('option', { value: '' }, 'All tags'), ...tags.map((t) => h('option', { value: t }, t)));
    tagSelect.value = s.tags[0] ?? '';
  }

  function render(s: ViewState): void {
    const search = parseListSearch(s.query);
    renderCounts(monitors, search);
    renderTags(monitors, search);
    if (monitors.length === 0 && !s.query) {
      body.replaceChildren(
        h(
          'div',
          { class: 'mon-empty' },
          h('div', { class: 'mon-empty-title' }, 'No monitors yet'),
          h('div', { class: 'hint' }, 'Create a monitor to be alerted when a metric, a log count or a trace measure crosses a threshold.'),
          h('a', { class: 'btn primary', href: '/monitors/new' }, '+ New monitor'),
        ),
      );
      return;
    }
    const shown = filterMonitors(monitors, search).sort((a, b) => statusRank(a.overall_state) - statusRank(b.overall_state) || a.name.localeCompare(b.name));
    if (shown.length === 0) {
      body.replaceChildren(h('div', { class: 'empty' }, 'No monitor matches this search.'));
      return;
    }
    const now = Date.now();
    const rows = shown.map((m) => {
      const link = `/monitors/${m.id}`;
      const changed = m.overall_state_modified ? Date.parse(m.overall_state_modified) : NaN;
      const mute = muteState(active.filter((d) => appliesTo(d, m)));
      const row = h(
        'tr',
        { class: 'mon-row', 'data-id': String(m.id), onclick: (e: Event) => !(e.target as Element).closest('a,button') && app.go(link) },
        h('td', { class: 'c-status' }, statusBadge(m.overall_state), mute.muted ? h('div', null, mutedBadge(mute.whole, mute.scopes, mute.ids)) : null),
        h('td', { class: 'c-name' }, h('a', { href: link, class: 'mon-name' }, m.name), h('div', { class: 'mon-query mono' }, m.query)),
        h('td', { class: 'c-type' }, typeLabel(m.type)),
        h('td', { class: 'c-tags' }, tagChips(m.tags)),
        h('td', { class: 'c-changed', title: m.overall_state_modified ?? '' }, Number.isFinite(changed) ? ago(changed, now) : '—'),
        h(
          'td',
          { class: 'c-actions' },
          mute.muted
            ? h('button', { class: 'btn small', title: 'Cancel the mutes of this monitor', onclick: () => void setMute(m, false) }, 'Unmute')
            : h('button', { class: 'btn small', title: 'Silence its notifications until unmuted', onclick: () => void setMute(m, true) }, 'Mute'),
          h('a', { class: 'btn small', href: `/monitors/${m.id}/edit`, title: 'Edit' }, 'Edit'),
          h('a', { class: 'btn small', href: `/monitors/new?clone=${m.id}`, title: 'Clone' }, 'Clone'),
          h('button', { class: 'btn small danger-text', title: 'Delete', onclick: () => void remove(m) }, 'Delete'),
        ),
      );
      return row;
    });
    body.replaceChildren(
      h(
        'table',
        { class: 'mon-table' },
        h('thead', null, h('tr', null, h('th', null, 'Status'), h('th', null, 'Name'), h('th', null, 'Type'), h('th', null, 'Tags'), h('th', null, 'Last change'), h('th', null, ''))),
        h('tbody', null, ...rows),
      ),
    );
  }

  async function remove(m: Monitor): Promise<void> {
    if (!(await confirmDialog('Delete monitor', `Delete “${m.name}”? Its state and history go with it.`, 'Delete'))) return;
    notice.replaceChildren();
    try {
      await deleteMonitor(m.id);
      loadedFor = '';
      await load(app.state());
    } catch (e) {
      notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, `Could not delete “${m.name}”: `), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  // From the list a mute covers every group until unmuted; the status page asks.
  async function setMute(m: Monitor, mute: boolean): Promise<void> {
    notice.replaceChildren();
    try {
      await (mute ? muteMonitor(m.id, {}) : unmuteMonitor(m.id));
      loadedFor = '';
      await load(app.state());
      const left = active.filter((d) => appliesTo(d, m));
      if (!mute && left.length)
        notice.replaceChildren(
          h(
            'div',
            { class: 'mon-info-box', role: 'status' },
            `“${m.name}” is still silenced by scheduled downtime ${left.map((d) => `#${d.id}`).join(', ')}: cancel it on the `,
            h('a', { href: '/monitors/downtimes' }, 'Downtimes'),
            ' page.',
          ),
        );
    } catch (e) {
      notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, `Could not ${mute ? 'mute' : 'unmute'} “${m.name}”: `), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  async function load(s: ViewState): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    const search = parseListSearch(s.query);
    try {
      const [got, downtimes] = await Promise.all([listMonitors(search.text, search.tags, ac.signal), listDowntimes(true, ac.signal).catch(() => [] as Downtime[])]);
      if (ac.signal.aborted) return;
      monitors = got;
      active = downtimes.filter((d) => d.active && !d.disabled);
      loadedFor = `${search.text}|${search.tags.join(',')}`;
      render(s);
    } catch (e) {
      if (isAbort(e)) return;
      body.replaceChildren(errorBox(e instanceof ApiError ? e.message : String(e), () => void load(app.state())));
    }
  }

  return {
    el,
    update(s) {
      if (document.activeElement !== search) search.value = s.query;
      const search2 = parseListSearch(s.query);
      const key = `${search2.text}|${search2.tags.join(',')}`;
      if (key !== loadedFor) void load(s);
      else render(s);
      window.clearInterval(timer);
      timer = window.setInterval(() => {
        loadedFor = '';
        void load(app.state());
      }, 10_000);
    },
    destroy() {
      abort?.abort();
      window.clearInterval(timer);
      window.clearTimeout(typing);
    },
  };
}
