// The log explorer's analytic views: a timeseries per group, a top list and a table,
// each of a measure (count of logs, or an aggregation of a numeric attribute) grouped
// by up to two facets. A click on a group filters the search on it and goes back to
// the list.
import { api, ApiError, isAbort } from './api';
import { Chart, lineChart } from './chart';
import { errorBox, h } from './dom';
import type { App } from './main';
import { addTerm, facetTerm } from './query';
import { resolveRange, ViewState } from './state';
import { aggregateRequest, AGGREGATIONS, Bucket, fmtCompact, fmtValue, GroupRow, LIMITS, LogView, MAX_GROUPS, measureLabel, ROLLUPS, rollupSeconds, sortRows, toRows, toSeries, Viz, VIZ } from './logview';

const VIZ_LABELS: Record<Viz, string> = { list: 'List', timeseries: 'Timeseries', toplist: 'Top list', table: 'Table' };
// Numeric attributes offered as measures; any other can be typed.
const MEASURES = ['@duration', '@http.status_code'];

// The List | Timeseries | Top list | Table switch.
export function vizSwitch(app: App): { el: HTMLElement; update(s: ViewState): void } {
  const buttons = VIZ.map((v) =>
    h('button', { class: 'btn viz-btn', type: 'button', 'data-viz': v, onclick: () => app.set({ logView: { ...app.state().logView, viz: v }, selected: null }) }, VIZ_LABELS[v]),
  );
  const el = h('div', { class: 'viz-switch', role: 'group', 'aria-label': 'Visualisation' }, ...buttons);
  return {
    el,
    update(s) {
      for (const b of buttons) {
        const on = b.dataset.viz === s.logView.viz;
        b.classList.toggle('active', on);
        b.setAttribute('aria-pressed', String(on));
      }
    },
  };
}

export function mountAnalytics(app: App): { el: HTMLElement; update(s: ViewState): void; destroy(): void } {
  let chart: Chart | null = null;
  let abort: AbortController | null = null;
  let ran = '';
  let rows: GroupRow[] = [];
  const setView = (patch: Partial<LogView>) => app.set({ logView: { ...app.state().logView, ...patch } });

  const facetList = h('datalist', { id: 'la-facets' });
  const measureList = h('datalist', { id: 'la-measures' }, ...MEASURES.map((m) => h('option', { value: m })));
  const aggSel = h(
    'select',
    { class: 'input la-agg', 'aria-label': 'Aggregation', onchange: () => setView({ agg: aggSel.value, measure: aggSel.value === 'count' ? '' : measureIn.value || MEASURES[0] }) },
    h('option', { value: 'count' }, 'Count of logs'),
    ...AGGREGATIONS.map((a) => h('option', { value: a }, a)),
  );
  const measureIn = h('input', { class: 'input mono la-measure', list: 'la-measures', 'aria-label': 'Measure', placeholder: '@duration', spellcheck: false });
  measureIn.addEventListener('change', () => {
    const m = measureIn.value.trim();
    if (m && aggSel.value !== 'count') setView({ measure: m.startsWith('@') ? m : `@${m}` });
  });
  const byIns = Array.from({ length: MAX_GROUPS }, (_, i) => {
    const inp = h('input', { class: 'input mono la-by', list: 'la-facets', 'aria-label': `Group by ${i + 1}`, placeholder: i ? 'then by…' : 'everything', spellcheck: false });
    inp.addEventListener('change', () => setView({ by: byIns.map((b) => b.value.trim()).filter(Boolean) }));
    return inp;
  });
  const limitSel = h('select', { class: 'input la-limit', 'aria-label': 'Limit', onchange: () => setView({ limit: Number(limitSel.value) }) }, ...LIMITS.map((n) => h('option', { value: String(n) }, `top ${n}`)));
  const rollSel = h('select', { class: 'input la-rollup', 'aria-label': 'Rollup interval', onchange: () => setView({ rollup: rollSel.value }) }, ...ROLLUPS.map((r) => h('option', { value: r }, r === 'auto' ? 'auto interval' : `every ${r}`)));
  const rollWrap = h('span', { class: 'la-field' }, h('span', { class: 'la-word' }, 'rollup'), rollSel);
  const controls = h(
    'div',
    { class: 'la-controls' },
    h('span', { class: 'la-word' }, 'Show'),
    aggSel,
    measureIn,
    h('span', { class: 'la-word' }, 'by'),
    ...byIns,
    limitSel,
    rollWrap,
    facetList,
    measureList,
  );
  const title = h('div', { class: 'la-title' });
  const status = h('div', { class: 'la-status' });
  const body = h('div', { class: 'la-body' });
  const el = h('div', { class: 'la-panel' }, controls, title, status, body);

  // A click on a group: its facets join the search, and the list shows its logs.
  function drill(by: Record<string, string>): void {
    const s = app.state();
    let q = s.query;
    for (const [f, v] of Object.entries(by)) q = addTerm(q, facetTerm(f, v));
    app.set({ query: q, logView: { ...s.logView, viz: 'list' }, selected: null });
  }

  function renderTopList(v: LogView): void {
    const max = Math.max(...rows.map((r) => r.value), 0) || 1;
    body.replaceChildren(
      h(
        'ol',
        { class: 'toplist' },
        ...rows.map((r) =>
          h(
            'li',
            null,
            h(
              'button',
              { class: 'top-row', type: 'button', 'data-group': r.label, 'data-value': String(r.value), title: `Show the logs of ${r.label}`, onclick: () => drill(r.by) },
              h('span', { class: 'top-label' }, r.label),
              h('span', { class: 'top-track' }, h('span', { class: 'top-bar', style: `width: ${Math.max(0.5, (100 * r.value) / max)}%` })),
              h('span', { class: 'top-value mono' }, fmtValue(r.value)),
            ),
          ),
        ),
      ),
    );
    if (!rows.length) body.replaceChildren(h('div', { class: 'empty' }, 'No logs match this search in the time range.'));
    void v;
  }

  function renderTable(v: LogView): void {
    const cols = [...v.by, 'value'];
    const sorted = sortRows(rows, v.sort);
    const head = h(
      'tr',
      null,
      ...cols.map((c) => {
        const on = v.sort.col === c;
        return h(
          'th',
          { class: c === 'value' ? 'num' : '', 'aria-sort': on ? (v.sort.desc ? 'descending' : 'ascending') : 'none' },
          h('button', { class: 'th-btn', type: 'button', 'data-col': c, onclick: () => setView({ sort: { col: c, desc: on ? !v.sort.desc : c === 'value' } }) }, c === 'value' ? measureLabel(v) : c, on ? (v.sort.desc ? ' ▼' : ' ▲') : ''),
        );
      }),
    );
    const trs = sorted.map((r) =>
      h('tr', { class: 'la-row', 'data-group': r.label, 'data-value': String(r.value), title: `Show the logs of ${r.label}`, onclick: () => drill(r.by) }, ...v.by.map((f) => h('td', null, r.by[f] === '' ? '(empty)' : r.by[f])), h('td', { class: 'num mono' }, fmtValue(r.value))),
    );
    body.replaceChildren(rows.length ? h('table', { class: 'la-table' }, h('thead', null, head), h('tbody', null, ...trs)) : h('div', { class: 'empty' }, 'No logs match this search in the time range.'));
  }

  async function load(s: ViewState): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    const v = s.logView;
    const r = resolveRange(s.range, Date.now());
    title.textContent = `${measureLabel(v)}${v.by.length ? ` by ${v.by.join(', ')}` : ''}`;
    status.replaceChildren(h('div', { class: 'hint' }, 'Loading…'));
    try {
      const res = await api<{ data: { buckets: Bucket[] } }>('/api/v2/logs/analytics/aggregate', { body: aggregateRequest(v, s.query, r.from, r.to), signal: ac.signal });
      if (ac.signal.aborted) return;
      status.replaceChildren();
      chart?.destroy();
      chart = null;
      body.replaceChildren();
      if (v.viz === 'timeseries') {
        const { times, series } = toSeries(res.data.buckets, v.by, r.from, r.to, rollupSeconds(v.rollup, r.from, r.to), v.agg === 'count' ? 0 : null);
        if (!series.length) {
          body.replaceChildren(h('div', { class: 'empty' }, 'No logs match this search in the time range.'));
          return;
        }
        const box = h('div', { class: 'la-chart' });
        body.append(box);
        chart = lineChart(box, times, series, fmtCompact);
        rows = [];
      } else {
        rows = toRows(res.data.buckets, v.by);
        if (v.viz === 'toplist') renderTopList(v);
        else renderTable(v);
      }
      el.dataset.groups = String(v.viz === 'timeseries' ? res.data.buckets.length : rows.length);
    } catch (e) {
      if (isAbort(e)) return;
      body.replaceChildren();
      status.replaceChildren(e instanceof ApiError && e.status === 400 ? h('div', { class: 'syntax-error', role: 'alert' }, e.message) : errorBox((e as Error).message, () => void load(app.state())));
    }
  }

  async function loadFacets(s: ViewState): Promise<void> {
    const r = resolveRange(s.range, Date.now());
    try {
      const list = await api<{ facets: { facet: string }[] }>(`/api/v1/facets/logs?query=${encodeURIComponent(s.query || '*')}&from=${r.from}&to=${r.to}&limit=50`);
      const facets = list.facets.map((f) => f.facet).filter((f) => f !== 'message' && f !== 'timestamp');
      facetList.replaceChildren(...facets.map((f) => h('option', { value: f })));
      // Attributes are offered as measures too; the aggregation refuses non-numeric ones.
      const measures = [...new Set([...MEASURES, ...facets.filter((f) => f.startsWith('@'))])];
      measureList.replaceChildren(...measures.map((m) => h('option', { value: m })));
    } catch {
      /* the inputs still take any facet typed */
    }
  }

  return {
    el,
    update(s) {
      const v = s.logView;
      aggSel.value = v.agg;
      measureIn.value = v.measure;
      measureIn.hidden = v.agg === 'count';
      byIns.forEach((b, i) => {
        if (document.activeElement !== b) b.value = v.by[i] ?? '';
      });
      limitSel.value = String(v.limit);
      rollSel.value = v.rollup;
      rollWrap.hidden = v.viz !== 'timeseries';
      const key = JSON.stringify([s.query, s.range, { ...v, sort: null }]);
      if (key !== ran) {
        if (JSON.stringify([s.query, s.range]) !== JSON.stringify(JSON.parse(ran || '[]').slice(0, 2))) void loadFacets(s);
        ran = key;
        void load(s);
      } else if (v.viz === 'table') renderTable(v);
    },
    destroy() {
      abort?.abort();
      chart?.destroy();
    },
  };
}
