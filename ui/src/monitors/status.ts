// One monitor: its state, its groups' states, the history of state changes as a
// timeline and a list, and its query graphed with the thresholds over the time range.
import { ApiError, isAbort } from '../api';
import { append, errorBox, fmtTime, h } from '../dom';
import type { App, Page } from '../main';
import { resolveRange, ViewState } from '../state';
import { deleteMonitor, Delivery, getMonitor, GroupState, monitorEvents, monitorHistory, Monitor, MonitorEvent, monitorNotifications, muteMonitor, queryGraph, unmuteMonitor } from './api';
import { describeScope, muteState } from './downtime';
import { deliveryRow, eventMarkers, notifiedLabel } from './notify';
import { thresholdGraph } from './graph';
import { HistoryEvent, statusCounts, statusRank, STATUSES, statusClass, thresholdLines, timelineSegments } from './model';
import { fmtNumber, kindOf, parseMonitorQuery } from './querycompose';
import { timeline } from './timeline';
import { typeLabel } from './list';
import { confirmDialog, mutedBadge, muteDialog, statusBadge, tagChips } from './widgets';

type SortKey = 'group' | 'status' | 'value' | 'triggered';

function fmtValue(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? fmtNumber(v) : '—';
}

export function mountMonitorStatus(app: App, id: number, setTitle: (t: string) => void): Page {
  let abort: AbortController | null = null;
  let timer: number | undefined;
  let mon: Monitor | null = null;
  let history: HistoryEvent[] = [];
  let deliveries: Delivery[] = [];
  let events: MonitorEvent[] = [];
  let sort: { key: SortKey; desc: boolean } = { key: 'status', desc: false };
  let loadedOnce = false;

  const header = h('div', { class: 'card mon-status-head' });
  const notice = h('div', { class: 'mon-notice' });
  const groupsBox = h('div', { class: 'mon-groups' });
  const groupCounts = h('div', { class: 'mon-group-counts' });
  const timelineBox = h('div', { class: 'mon-tl-box' });
  const transitions = h('div', { class: 'mon-transitions' });
  const graph = thresholdGraph(220);
  const graphStatus = h('div', { class: 'mon-preview-status' });
  const deliveriesBox = h('div', { class: 'mon-deliveries' });
  const deliveryCounts = h('div', { class: 'mon-delivery-counts' });
  const body = h(
    'div',
    { class: 'mon-status-body' },
    h('div', { class: 'card' }, h('div', { class: 'mon-card-head' }, h('h3', { class: 'mon-card-title' }, 'History'), h('span', { class: 'hint' }, 'State of each group over the time range')), timelineBox, transitions),
    h(
      'div',
      { class: 'mon-status-grid' },
      h('div', { class: 'card' }, h('div', { class: 'mon-card-head' }, h('h3', { class: 'mon-card-title' }, 'Groups'), groupCounts), groupsBox),
      h('div', { class: 'card' }, h('h3', { class: 'mon-card-title' }, 'Query'), graphStatus, graph.el),
    ),
    h(
      'div',
      { class: 'card mon-notifications-card' },
      h('div', { class: 'mon-card-head' }, h('h3', { class: 'mon-card-title' }, 'Notifications'), deliveryCounts),
      deliveriesBox,
    ),
  );
  const el = h('section', { class: 'mon-page mon-status-page' }, header, notice, body);

  function renderHeader(m: Monitor): void {
    setTitle(`Monitor: ${m.name}`);
    const mute = muteState(m.matching_downtimes ?? []);
    header.replaceChildren();
    append(header, [
      h(
        'div',
        { class: 'mon-status-top' },
        h('div', { class: `mon-state-block s-${statusClass(m.overall_state)}` }, statusBadge(m.overall_state)),
        h(
          'div',
          { class: 'mon-status-title' },
          h('h2', { class: 'mon-h2' }, m.name),
          h(
            'div',
            { class: 'mon-meta' },
            h('span', { class: 'mon-type' }, typeLabel(m.type)),
            h('span', { class: 'hint' }, `#${m.id}`),
            m.priority ? h('span', { class: 'mon-prio' }, `P${m.priority}`) : null,
            mute.muted ? mutedBadge(mute.whole, mute.scopes, mute.ids) : null,
            tagChips(m.tags),
          ),
        ),
        h(
          'div',
          { class: 'mon-status-actions' },
          mute.muted
            ? h('button', { class: 'btn', title: 'Cancel the mutes of this monitor', onclick: () => void setMute(m, false) }, 'Unmute')
            : h('button', { class: 'btn', title: 'Silence its notifications', onclick: () => void setMute(m, true) }, 'Mute'),
          h('a', { class: 'btn', href: `/monitors/downtimes?monitor=${m.id}`, title: 'Schedule a downtime for this monitor' }, 'Schedule downtime'),
          h('a', { class: 'btn', href: `/monitors/${m.id}/edit` }, 'Edit'),
          h('a', { class: 'btn', href: `/monitors/new?clone=${m.id}` }, 'Clone'),
          h('button', { class: 'btn danger-text', onclick: () => void remove(m) }, 'Delete'),
        ),
      ),
      h('code', { class: 'mon-query-text mono' }, m.query),
      m.message ? h('div', { class: 'mon-message-view' }, m.message) : null,
      m.evaluation_error ? h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Last evaluation failed: '), m.evaluation_error) : null,
    ]);
  }

  function renderGroups(m: Monitor): void {
    const groups = Object.entries(m.state?.groups ?? {}).map(([g, s]) => ({ group: g, ...s }));
    const counts = statusCounts(groups.map((g) => ({ overall_state: g.status })));
    groupCounts.replaceChildren(
      ...STATUSES.filter((s) => counts[s]).map((s) => h('span', { class: `mon-gcount s-${statusClass(s)}`, 'data-status': s }, h('b', null, String(counts[s])), ` ${s}`)),
    );
    if (groups.length === 0) {
      groupsBox.replaceChildren(h('div', { class: 'empty' }, 'No group has been evaluated yet.'));
      return;
    }
    const cmp = (a: GroupState & { group: string }, b: GroupState & { group: string }): number => {
      switch (sort.key) {
        case 'group':
          return a.group.localeCompare(b.group);
        case 'status':
          return statusRank(a.status) - statusRank(b.status) || a.group.localeCompare(b.group);
        case 'value':
          return (a.value ?? -Infinity) - (b.value ?? -Infinity);
        case 'triggered':
          return (a.last_triggered_ts ?? 0) - (b.last_triggered_ts ?? 0);
      }
    };
    groups.sort((a, b) => (sort.desc ? -cmp(a, b) : cmp(a, b)));
    const th = (key: SortKey, label: string) =>
      h(
        'th',
        { class: `sortable${sort.key === key ? ' sorted' : ''}`, 'aria-sort': sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none' },
        h(
          'button',
          {
            type: 'button',
            class: 'th-btn',
            onclick: () => {
              sort = { key, desc: sort.key === key ? !sort.desc : false };
              renderGroups(m);
            },
          },
          label,
          sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : '',
        ),
      );
    groupsBox.replaceChildren(
      h(
        'table',
        { class: 'mon-table mon-group-table' },
        h('thead', null, h('tr', null, th('status', 'Status'), th('group', 'Group'), th('value', 'Value'), th('triggered', 'Last triggered'))),
        h(
          'tbody',
          null,
          ...groups.map((g) =>
            h(
              'tr',
              { 'data-group': g.group },
              h('td', { class: 'c-status' }, statusBadge(g.status)),
              h('td', { class: 'mono' }, g.group || '(all)'),
              h('td', { class: 'num' }, fmtValue(g.value)),
              h('td', null, g.last_triggered_ts ? fmtTime(g.last_triggered_ts * 1000) : '—'),
            ),
          ),
        ),
      ),
    );
  }

  function renderHistory(m: Monitor, s: ViewState): void {
    const r = resolveRange(s.range, Date.now());
    const current: Record<string, string> = {};
    for (const [g, st] of Object.entries(m.state?.groups ?? {})) current[g] = st.status;
    const edited = m.modified ? Date.parse(m.modified) : NaN;
    // Before the monitor existed it had no state: its bands start at its creation.
    const created = m.created ? Date.parse(m.created) : NaN;
    const start = Number.isFinite(created) ? Math.min(r.to, Math.max(r.from, created)) : r.from;
    const bands = timelineSegments(history, current, start, r.to, Number.isFinite(edited) ? edited : undefined);
    timelineBox.replaceChildren(bands.size ? timeline(bands, r.from, r.to) : h('div', { class: 'empty' }, 'No state yet.'));
    const inRange = history.filter((e) => e.timestamp >= r.from && e.timestamp <= r.to).sort((a, b) => b.timestamp - a.timestamp);
    if (inRange.length === 0) {
      transitions.replaceChildren(h('div', { class: 'hint mon-no-changes' }, 'No state changes in this time range.'));
      return;
    }
    transitions.replaceChildren(
      h(
        'table',
        { class: 'mon-table mon-history-table' },
        h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Group'), h('th', null, 'Transition'), h('th', null, 'Value'), h('th', null, 'Notified'))),
        h(
          'tbody',
          null,
          ...inRange.slice(0, 200).map((e) =>
            h(
              'tr',
              { class: 'mon-transition' },
              h('td', { class: 'mono' }, fmtTime(e.timestamp)),
              h('td', { class: 'mono' }, e.group || '(all)'),
              h('td', { class: 'mon-arrow' }, statusBadge(e.from), ' → ', statusBadge(e.to)),
              h('td', { class: 'num' }, fmtValue(e.value)),
              h('td', { class: `c-notified n-${notifiedLabel(e, deliveries)}` }, notifiedLabel(e, deliveries)),
            ),
          ),
        ),
      ),
    );
  }

  function renderDeliveries(s: ViewState): void {
    const r = resolveRange(s.range, Date.now());
    const rows = deliveries.filter((d) => d.timestamp >= r.from && d.timestamp <= r.to).map(deliveryRow);
    const counts: Record<string, number> = {};
    for (const d of rows) counts[d.status] = (counts[d.status] ?? 0) + 1;
    deliveryCounts.replaceChildren(
      ...['delivered', 'failed', 'silenced'].filter((k) => counts[k]).map((k) => h('span', { class: `mon-gcount d-${k}` }, h('b', null, String(counts[k])), ` ${k}`)),
    );
    if (rows.length === 0) {
      const mentions = /@[A-Za-z0-9_.+-]/.test(mon?.message ?? '');
      deliveriesBox.replaceChildren(
        h(
          'div',
          { class: 'hint mon-no-changes' },
          mentions ? 'No notification in this time range.' : 'This monitor’s message mentions no channel (@webhook-…, @slack-…, @teams-… or an e-mail address), so it notifies nobody. ',
          mentions ? null : h('a', { href: '/monitors/settings' }, 'Notification channels'),
        ),
      );
      return;
    }
    deliveriesBox.replaceChildren(
      h(
        'table',
        { class: 'mon-table mon-delivery-table' },
        h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Group'), h('th', null, 'Transition'), h('th', null, 'Channel'), h('th', null, 'Result'), h('th', null, 'Detail'))),
        h(
          'tbody',
          null,
          ...rows.slice(0, 200).map((d) =>
            h(
              'tr',
              { class: `mon-delivery d-${d.status}`, 'data-status': d.status, 'data-channel': d.channel },
              h('td', { class: 'mono' }, fmtTime(d.time)),
              h('td', { class: 'mono' }, d.group || '(all)'),
              h('td', null, d.transition),
              h('td', null, h('span', { class: 'hint' }, `${d.kind} `), h('code', { class: 'mon-mention' }, d.channel)),
              h('td', { class: 'c-result' }, h('span', { class: `mon-delivery-badge d-${d.status}` }, d.label)),
              h('td', { class: 'c-detail' }, d.detail),
            ),
          ),
        ),
      ),
    );
  }

  async function setMute(m: Monitor, mute: boolean): Promise<void> {
    notice.replaceChildren();
    try {
      if (mute) {
        const body = await muteDialog(m.name, Object.keys(m.state?.groups ?? {}));
        if (!body) return;
        await muteMonitor(m.id, body);
      } else {
        const after = await unmuteMonitor(m.id);
        const left = after.matching_downtimes ?? [];
        if (left.length)
          notice.replaceChildren(
            h(
              'div',
              { class: 'mon-info-box', role: 'status' },
              `Still silenced by scheduled downtime ${left.map((d) => `#${d.id} (${describeScope(d.scope)})`).join(', ')}: cancel it on the `,
              h('a', { href: '/monitors/downtimes' }, 'Downtimes'),
              ' page.',
            ),
          );
      }
      await load(app.state());
    } catch (e) {
      notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, `Could not ${mute ? 'mute' : 'unmute'}: `), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  async function renderGraph(m: Monitor, s: ViewState, signal: AbortSignal): Promise<void> {
    const kind = kindOf(m.type);
    const c = kind ? parseMonitorQuery(m.query, kind) : null;
    if (!c || c.kind === 'composite') {
      graph.clear();
      graphStatus.replaceChildren(h('div', { class: 'hint' }, c ? 'A composite has no graph of its own: its state follows the monitors it names.' : 'This query cannot be graphed here.'));
      return;
    }
    const r = resolveRange(s.range, Date.now());
    try {
      const data = await queryGraph(c, r.from, r.to, signal);
      if (signal.aborted) return;
      const isChange = c.kind === 'metric' && c.metric.change !== 'threshold';
      graphStatus.replaceChildren(isChange ? h('div', { class: 'hint' }, 'The thresholds apply to the change of this query, so they are not drawn on it.') : '');
      graph.show(data, isChange ? [] : thresholdLines(m.options?.thresholds ?? {}, c.comparator), eventMarkers(events));
    } catch (e) {
      if (isAbort(e) || signal.aborted) return;
      graph.clear();
      graphStatus.replaceChildren(errorBox((e as Error).message, () => void load(app.state())));
    }
  }

  async function remove(m: Monitor): Promise<void> {
    if (!(await confirmDialog('Delete monitor', `Delete “${m.name}”? Its state and history go with it.`, 'Delete'))) return;
    try {
      await deleteMonitor(m.id);
      app.go('/monitors');
    } catch (e) {
      notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Could not delete: '), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  async function load(s: ViewState): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    try {
      const r = resolveRange(s.range, Date.now());
      // Deliveries and events are extras: the page still shows the monitor without them.
      const [m, hist, dels, evs] = await Promise.all([
        getMonitor(id, ac.signal),
        monitorHistory(id, ac.signal),
        monitorNotifications(id, ac.signal).catch((e) => (isAbort(e) ? Promise.reject(e) : ([] as Delivery[]))),
        monitorEvents(id, r.from, r.to, ac.signal).catch((e) => (isAbort(e) ? Promise.reject(e) : ([] as MonitorEvent[]))),
      ]);
      if (ac.signal.aborted) return;
      mon = m;
      history = hist;
      deliveries = dels;
      events = evs;
      loadedOnce = true;
      body.hidden = false;
      renderHeader(m);
      renderGroups(m);
      renderHistory(m, s);
      renderDeliveries(s);
      await renderGraph(m, s, ac.signal);
    } catch (e) {
      if (isAbort(e)) return;
      const msg = e instanceof ApiError && e.status === 404 ? `Monitor ${id} does not exist (it may have been deleted).` : (e as Error).message;
      if (!loadedOnce) {
        body.hidden = true;
        header.replaceChildren(errorBox(msg, () => void load(app.state())), h('a', { class: 'btn', href: '/monitors' }, '← All monitors'));
      } else notice.replaceChildren(errorBox(msg, () => void load(app.state())));
    }
  }

  function schedule(s: ViewState): void {
    window.clearInterval(timer);
    // While open the page follows the monitor's evaluations; a paused or custom range
    // keeps its graph but the state still refreshes.
    timer = window.setInterval(() => void load(app.state()), s.live ? 5_000 : 10_000);
  }
  const onTheme = () => mon && void load(app.state());
  window.addEventListener('heeler-theme', onTheme);
  header.replaceChildren(h('div', { class: 'empty' }, 'Loading…'));

  return {
    el,
    update(s) {
      void load(s);
      schedule(s);
    },
    destroy() {
      abort?.abort();
      window.clearInterval(timer);
      window.removeEventListener('heeler-theme', onTheme);
      graph.destroy();
    },
  };
}
