// Metrics explorer: a query builder and a raw Datadog query that stay in sync, and a
// graph with one line per group.
import { api, ApiError, isAbort } from './api';
import { Chart, lineChart } from './chart';
import { errorBox, h, inlineError } from './dom';
import type { App, Page } from './main';
import { buildQuery, emptyQuery, errorPosition, MetricQuery, parseQuery, SPACE_AGGREGATORS } from './query';
import { resolveRange, ViewState } from './state';

interface V1Series {
  metric: string;
  scope: string;
  expression?: string;
  tag_set: string[];
  pointlist: [number, number | null][];
}

let listId = 0;
function datalist(): HTMLDataListElement {
  return h('datalist', { id: `dl-${++listId}` });
}
function fillList(list: HTMLDataListElement, values: string[]): void {
  list.replaceChildren(...values.slice(0, 500).map((v) => h('option', { value: v })));
}

// The last item of a comma-separated field is what autocomplete completes.
function listInput(placeholder: string, list: HTMLDataListElement, label: string): HTMLInputElement {
  return h('input', { class: 'input', placeholder, list: list.id, 'aria-label': label, autocomplete: 'off', spellcheck: false });
}

export function mountMetrics(app: App): Page {
  let builder: MetricQuery = emptyQuery();
  let tagsFor = '';
  let tags: string[] = [];
  let abort: AbortController | null = null;
  let chart: Chart | null = null;
  let timer: number | undefined;

  const metricList = datalist();
  const scopeList = datalist();
  const byList = datalist();
  const agg = h('select', { class: 'input', 'aria-label': 'Space aggregator' }, ...SPACE_AGGREGATORS.map((a) => h('option', { value: a }, a)));
  const metric = h('input', { class: 'input metric-input', placeholder: 'metric name', list: metricList.id, 'aria-label': 'Metric', autocomplete: 'off', spellcheck: false });
  const scope = listInput('from: * (e.g. env:prod,host:web-*)', scopeList, 'Scope');
  const by = listInput('by: everything (e.g. host)', byList, 'Group by');
  const builderNote = h('div', { class: 'hint', hidden: true }, 'This query uses more than the builder shows; edit it as text below.');
  const raw = h('input', {
    class: 'input mono raw-query',
    placeholder: 'avg:system.cpu.user{env:prod} by {host}',
    'aria-label': 'Query',
    spellcheck: false,
    autocomplete: 'off',
  });
  const runBtn = h('button', { class: 'btn primary', type: 'submit' }, 'Graph');
  const status = h('div', { class: 'query-status' });
  const graphBox = h('div', { class: 'graph' });
  const graphArea = h('div', { class: 'graph-area' }, status, graphBox);

  const el = h(
    'section',
    { class: 'metrics-page' },
    h(
      'form',
      {
        class: 'card query-card',
        onsubmit: (e: Event) => {
          e.preventDefault();
          submit();
        },
      },
      h('div', { class: 'builder' }, h('label', { class: 'field' }, 'Aggregate', agg), h('label', { class: 'field grow' }, 'Metric', metric), h('label', { class: 'field grow' }, 'From', scope), h('label', { class: 'field' }, 'Sum by', by)),
      builderNote,
      h('div', { class: 'raw-row' }, h('label', { class: 'field grow' }, 'Query', raw), runBtn),
      metricList,
      scopeList,
      byList,
    ),
    h('div', { class: 'card' }, graphArea),
  );

  const fromBuilder = () => {
    builder = {
      aggregator: agg.value,
      metric: metric.value.trim(),
      scope: scope.value.split(',').map((s) => s.trim()).filter(Boolean),
      groupBy: by.value.split(',').map((s) => s.trim()).filter(Boolean),
      functions: builder.functions,
    };
    raw.value = buildQuery(builder);
    void loadTags();
  };
  const toBuilder = (text: string) => {
    const q = text.trim() ? parseQuery(text) : emptyQuery();
    builderNote.hidden = q !== null;
    for (const i of [agg, metric, scope, by]) i.disabled = q === null;
    if (!q) return;
    builder = q;
    agg.value = q.aggregator;
    metric.value = q.metric;
    scope.value = q.scope.join(',');
    by.value = q.groupBy.join(',');
    void loadTags();
  };
  for (const i of [agg, metric, scope, by]) i.addEventListener('change', () => {
    fromBuilder();
    submit();
  });
  for (const i of [metric, scope, by]) i.addEventListener('input', fromBuilder);
  raw.addEventListener('input', () => toBuilder(raw.value));

  function submit(): void {
    app.set({ query: raw.value.trim() });
  }

  async function loadMetrics(): Promise<void> {
    try {
      const from = Math.floor(Date.now() / 1000) - 30 * 86400;
      const r = await api<{ metrics: string[] }>(`/api/v1/metrics?from=${from}`);
      fillList(metricList, r.metrics.slice().sort());
    } catch {
      /* autocomplete is a help, not a requirement */
    }
  }
  async function loadTags(): Promise<void> {
    const m = builder.metric;
    if (!m || m === tagsFor) return;
    tagsFor = m;
    try {
      const r = await api<{ data: { attributes: { tags: string[] } } }>(`/api/v2/metrics/${encodeURIComponent(m)}/all-tags`);
      tags = r.data.attributes.tags.slice().sort();
    } catch {
      tags = [];
    }
    // Offer completions of the last item after what is already typed.
    const prefix = (input: HTMLInputElement) => {
      const v = input.value;
      const i = v.lastIndexOf(',');
      return i < 0 ? '' : v.slice(0, i + 1);
    };
    const keys = [...new Set(tags.map((t) => t.split(':')[0]))];
    fillList(scopeList, tags.map((t) => prefix(scope) + t));
    fillList(byList, keys.map((k) => prefix(by) + k));
  }
  scope.addEventListener('focus', () => {
    tagsFor = '';
    void loadTags();
  });
  by.addEventListener('focus', () => {
    tagsFor = '';
    void loadTags();
  });

  function showChart(series: V1Series[]): void {
    chart?.destroy();
    chart = null;
    graphBox.replaceChildren();
    if (series.length === 0) {
      status.replaceChildren(h('div', { class: 'empty' }, 'No data for this query in the time range.'));
      return;
    }
    const times = [...new Set(series.flatMap((s) => s.pointlist.map((p) => p[0])))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const lines = series.map((s) => {
      const values: (number | null)[] = new Array(times.length).fill(null);
      for (const [t, v] of s.pointlist) values[index.get(t)!] = v;
      const label = s.tag_set.length ? s.tag_set.join(', ') : s.expression || s.scope || s.metric;
      return { label, values };
    });
    status.replaceChildren(h('div', { class: 'hint' }, `${series.length} series`));
    chart = lineChart(graphBox, times.map((t) => t / 1000), lines);
  }

  async function run(s: ViewState): Promise<void> {
    abort?.abort();
    const q = s.query.trim();
    if (!q) {
      chart?.destroy();
      chart = null;
      graphBox.replaceChildren();
      status.replaceChildren(h('div', { class: 'empty' }, 'Pick a metric, or type a query, to graph it.'));
      return;
    }
    const ac = new AbortController();
    abort = ac;
    const r = resolveRange(s.range, Date.now());
    status.classList.add('loading');
    try {
      const res = await api<{ series: V1Series[] }>(
        `/api/v1/query?from=${Math.floor(r.from / 1000)}&to=${Math.floor(r.to / 1000)}&query=${encodeURIComponent(q)}`,
        { signal: ac.signal },
      );
      if (ac.signal.aborted) return;
      showChart(res.series);
    } catch (e) {
      if (isAbort(e)) return;
      chart?.destroy();
      chart = null;
      graphBox.replaceChildren();
      if (e instanceof ApiError && e.status === 400) {
        const { position, message } = errorPosition(e.message);
        status.replaceChildren(inlineError(q, position, message));
      } else {
        status.replaceChildren(errorBox((e as Error).message, () => void run(app.state())));
      }
    } finally {
      status.classList.remove('loading');
    }
  }

  function schedule(s: ViewState): void {
    window.clearInterval(timer);
    if (s.live && s.range.kind === 'relative') timer = window.setInterval(() => void run(app.state()), 30_000);
  }
  const onTheme = () => void run(app.state());
  window.addEventListener('heeler-theme', onTheme);
  void loadMetrics();

  return {
    el,
    update(s, prev) {
      if (raw.value.trim() !== s.query || prev === s) {
        raw.value = s.query;
        toBuilder(s.query);
      }
      void run(s);
      schedule(s);
    },
    destroy() {
      abort?.abort();
      window.clearInterval(timer);
      window.removeEventListener('heeler-theme', onTheme);
      chart?.destroy();
    },
  };
}
