// New and edit monitor: the type, the query from a builder (or typed), the alert
// conditions and options, and what the notification says. The query the form writes is
// shown and checked by the server as it changes, and a preview graphs it with the
// threshold lines.
import { ApiError, isAbort } from '../api';
import { errorBox, h, inlineError } from '../dom';
import type { App, Page } from '../main';
import { buildQuery, emptyQuery, errorPosition, MetricQuery, parseQuery, SPACE_AGGREGATORS } from '../query';
import { resolveRange } from '../state';
import { api } from '../api';
import { allChannels, Channel, ChannelKind, createMonitor, getMonitor, listMonitors, Monitor, MonitorInput, MonitorOptions, queryGraph, updateMonitor, validateMonitor } from './api';
import { Completion, completeAt, groupKeysOf, groupVariables, insertText, lineCol, mention, parseFieldError, SECTIONS, unknownMentions, VALUE_VARIABLES, wrapSection } from './notify';
import { thresholdGraph } from './graph';
import { thresholdLines, Thresholds } from './model';
import {
  ChangeMode,
  Comparator,
  ComposedQuery,
  composeQuery,
  emptyComposed,
  EVENT_ROLLUPS,
  guessKind,
  kindOf,
  MonitorKind,
  monitorType,
  parseMonitorQuery,
  TIME_AGGREGATIONS,
  WINDOW_LABELS,
  WINDOWS,
} from './querycompose';
import { TYPE_LABELS } from './list';

const COMPARATORS: [Comparator, string][] = [
  ['>', 'above'],
  ['>=', 'above or equal to'],
  ['<', 'below'],
  ['<=', 'below or equal to'],
];
const MISSING_DATA: [string, string][] = [
  ['default', 'Keep the last state (default)'],
  ['show_no_data', 'Show No Data'],
  ['show_and_notify_no_data', 'Show No Data and notify'],
  ['resolve', 'Resolve: back to OK'],
];
const RENOTIFY: [string, string][] = [
  ['', 'Never'],
  ['10', 'Every 10 minutes'],
  ['30', 'Every 30 minutes'],
  ['60', 'Every hour'],
  ['120', 'Every 2 hours'],
  ['240', 'Every 4 hours'],
  ['1440', 'Every day'],
];
const KINDS: MonitorKind[] = ['metric', 'logs', 'trace-analytics', 'rum', 'composite'];
const KIND_HINTS: Record<MonitorKind, string> = {
  metric: 'a metric query crosses a threshold',
  logs: 'a count or measure of logs crosses a threshold',
  'trace-analytics': 'a count or measure of spans crosses a threshold',
  rum: 'a count or measure of browser RUM events crosses a threshold',
  composite: 'a combination of monitors is alerting',
};

function select(label: string, options: [string, string][], cls = 'input'): HTMLSelectElement {
  return h('select', { class: cls, 'aria-label': label }, ...options.map(([v, t]) => h('option', { value: v }, t)));
}
function input(label: string, placeholder = '', cls = 'input'): HTMLInputElement {
  return h('input', { class: cls, 'aria-label': label, placeholder, spellcheck: false, autocomplete: 'off' });
}
function num(v: string): number | null {
  const t = v.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}
function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
function section(n: number, title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card mon-step' }, h('h3', { class: 'mon-step-title' }, h('span', { class: 'mon-step-n' }, String(n)), title), ...children);
}
function field(label: string, control: HTMLElement, cls = ''): HTMLElement {
  return h('label', { class: `field ${cls}` }, label, control);
}

// editId: the monitor edited, or null for a new one (cloned from `?clone=<id>`).
export function mountMonitorForm(app: App, editId: number | null): Page {
  let c: ComposedQuery = emptyComposed('metric');
  let builder: MetricQuery = emptyQuery();
  let rawMode = false;
  let original: Monitor | null = null;
  let validateAbort: AbortController | null = null;
  let previewAbort: AbortController | null = null;
  let validateTimer: number | undefined;
  let previewTimer: number | undefined;
  let saving = false;

  // 1. Type
  const kindButtons = new Map<MonitorKind, HTMLButtonElement>();
  const kindRow = h('div', { class: 'mon-kinds', role: 'radiogroup', 'aria-label': 'Monitor type' });
  for (const k of KINDS) {
    const b = h(
      'button',
      { type: 'button', class: 'mon-kind', role: 'radio', 'data-kind': k, onclick: () => setKind(k) },
      h('span', { class: 'mon-kind-name' }, TYPE_LABELS[k]),
      h('span', { class: 'mon-kind-hint' }, `Alert when ${KIND_HINTS[k]}`),
    );
    kindButtons.set(k, b);
    kindRow.append(b);
  }

  // 2. Query: metric builder
  const metricList = h('datalist', { id: 'mon-metric-list' });
  const agg = select('Space aggregator', SPACE_AGGREGATORS.map((a) => [a, a]));
  const metric = h('input', { class: 'input metric-input', 'aria-label': 'Metric', placeholder: 'metric name', list: metricList.id, spellcheck: false, autocomplete: 'off' });
  const scope = input('Scope', 'from: * (e.g. env:prod)');
  const by = input('Group by', 'by: (e.g. host)');
  const builderNote = h('div', { class: 'hint', hidden: true }, 'This query uses more than the builder shows (a formula or function); edit it with Edit query.');
  const metricBox = h(
    'div',
    { class: 'mon-query-box' },
    h('div', { class: 'builder' }, field('Aggregate', agg), field('Metric', metric, 'grow'), field('From', scope, 'grow'), field('Sum by', by)),
    builderNote,
    metricList,
  );
  // Logs and traces
  const search = input('Search query', 'service:web status:error', 'input mono');
  const rollup = select('Rollup', EVENT_ROLLUPS.map((r) => [r, r === 'count' ? 'count of events' : r]));
  const measure = input('Measure', '@duration');
  const eventBy = input('Group by facets', 'service, host');
  const measureField = field('Of measure', measure);
  const eventBox = h(
    'div',
    { class: 'mon-query-box' },
    h('div', { class: 'builder' }, field('Search', search, 'grow'), field('Aggregation', rollup), measureField, field('Group by', eventBy)),
  );
  // Composite
  const composite = input('Composite expression', '(1 && 2) || !3', 'input mono');
  const compositeHint = h('div', { class: 'hint mon-composite-hint' });
  const compositeBox = h('div', { class: 'mon-query-box' }, field('Monitors combined with && (and), || (or), ! (not)', composite, 'grow'), compositeHint);

  // The query as text, and its raw editor
  const queryText = h('code', { class: 'mon-query-text mono', 'aria-label': 'Monitor query' });
  const raw = h('textarea', { class: 'input mono mon-raw', rows: 2, 'aria-label': 'Raw monitor query', spellcheck: false });
  const rawToggle = h('button', { type: 'button', class: 'btn small', onclick: () => setRaw(!rawMode) }, 'Edit query');
  const validity = h('div', { class: 'mon-validity', 'aria-live': 'polite' });
  const queryLine = h('div', { class: 'mon-query-line' }, h('div', { class: 'mon-query-label' }, 'Query'), queryText, raw, rawToggle);

  // 3. Conditions
  const timeAgg = select('Time aggregation', TIME_AGGREGATIONS.map((a) => [a, a === 'avg' ? 'average' : a]), 'input inline');
  const changeMode = select('Alert on', [
    ['threshold', 'value'],
    ['change', 'change'],
    ['pct_change', '% change'],
  ], 'input inline');
  const windowSel = select('Evaluation window', WINDOWS.map((w) => [w, WINDOW_LABELS[w]]), 'input inline');
  const changeWindow = select('Compared with', WINDOWS.map((w) => [w, `${w} before`]), 'input inline');
  const changeWrap = h('span', { class: 'mon-change-wrap' }, ' compared with the value ', changeWindow);
  const comparator = select('Comparator', COMPARATORS.map(([v, t]) => [v, `${t}`]), 'input inline');
  const aggWrap = h('span', null, 'the ', timeAgg, ' of the query’s ', changeMode);
  const sentence = h('div', { class: 'mon-sentence' }, 'Trigger when ', aggWrap, ' over the ', windowSel, changeWrap, ' is ', comparator, ' the threshold');
  const critical = input('Alert threshold', '', 'input mon-threshold t-critical');
  const warning = input('Warning threshold', '', 'input mon-threshold t-warning');
  const criticalRecovery = input('Alert recovery threshold', '', 'input mon-threshold');
  const warningRecovery = input('Warning recovery threshold', '', 'input mon-threshold');
  const thresholdsBox = h(
    'div',
    { class: 'mon-thresholds' },
    field('Alert threshold', critical),
    field('Warning threshold', warning),
    field('Alert recovery threshold', criticalRecovery),
    field('Warning recovery threshold', warningRecovery),
  );
  const evalDelay = input('Evaluation delay', '0', 'input');
  evalDelay.type = 'number';
  evalDelay.min = '0';
  const fullWindow = h('input', { type: 'checkbox', 'aria-label': 'Require a full window of data' });
  const fullWindowField = h('label', { class: 'mon-check' }, fullWindow, 'Require a full window of data');
  const missing = select('On missing data', MISSING_DATA);
  const renotify = select('Renotify', RENOTIFY);
  const optionsBox = h(
    'div',
    { class: 'mon-options' },
    field('If data is missing', missing),
    field('Renotify if the monitor has not resolved', renotify),
    field('Evaluation delay (seconds)', evalDelay),
    fullWindowField,
  );
  const conditionsBody = h('div', { class: 'mon-conditions' }, sentence, thresholdsBox, optionsBox);
  const compositeConditions = h('div', { class: 'hint', hidden: true }, 'A composite alerts while its expression is true: a monitor counts as true while it is in Alert.');

  // 4. Notification
  const name = input('Monitor name', 'CPU is high on {{host.name}}', 'input');
  const message = h('textarea', {
    id: 'mon-message',
    class: 'input mon-message mono',
    rows: 6,
    'aria-label': 'Message',
    spellcheck: false,
    placeholder: 'What is happening, and what to do about it. Mention the channels to notify: @webhook-ops, @slack-team…',
  });
  const nameCheck = h('div', { class: 'mon-field-check', 'aria-live': 'polite' });
  const messageCheck = h('div', { class: 'mon-field-check', 'aria-live': 'polite' });
  const mentionWarn = h('div', { class: 'mon-field-check' });
  let channels: Record<ChannelKind, Channel[]> = { webhook: [], slack: [], teams: [] };
  // The message helper: sections, variables (the group-by's among them) and mentions of
  // the configured channels, each inserted at the cursor.
  const groupVarChips = h('span', { class: 'mon-chip-group' });
  const mentionChips = h('span', { class: 'mon-chip-group' });
  const edit = (f: (text: string, a: number, b: number) => { text: string; selStart: number; selEnd: number }) => {
    const e = f(message.value, message.selectionStart, message.selectionEnd);
    message.value = e.text;
    message.focus();
    message.setSelectionRange(e.selStart, e.selEnd);
    changed();
  };
  const chip = (label: string, cls: string, title: string, onclick: () => void) => h('button', { type: 'button', class: `mon-chip ${cls}`, title, onclick }, label);
  const messageHelper = h(
    'div',
    { class: 'mon-message-helper', role: 'toolbar', 'aria-label': 'Template helper' },
    h(
      'div',
      { class: 'mon-helper-row' },
      h('span', { class: 'mon-helper-label' }, 'Only when'),
      ...SECTIONS.map((sec) => chip(sec.label, 'section', `{{#${sec.name}}} … {{/${sec.name}}}: shown only then (wraps the selection)`, () => edit((t, a, b) => wrapSection(t, a, b, sec.name)))),
    ),
    h(
      'div',
      { class: 'mon-helper-row' },
      h('span', { class: 'mon-helper-label' }, 'Variables'),
      ...VALUE_VARIABLES.map((v) => chip(`{{${v}}}`, 'mono', `Insert {{${v}}}`, () => edit((t, a, b) => insertText(t, a, b, `{{${v}}}`)))),
      groupVarChips,
    ),
    h('div', { class: 'mon-helper-row' }, h('span', { class: 'mon-helper-label' }, 'Notify'), mentionChips),
  );
  function renderGroupVars(): void {
    const vars = groupVariables(groupKeysOf(currentQuery()));
    groupVarChips.replaceChildren(...vars.map((v) => chip(`{{${v}}}`, 'mono group', `The group’s ${v.replace(/\.name$/, '')}`, () => edit((t, a, b) => insertText(t, a, b, `{{${v}}}`)))));
  }
  function renderMentions(): void {
    const all = (['webhook', 'slack', 'teams'] as ChannelKind[]).flatMap((k) => channels[k].map((c) => mention(k, c.name)));
    mentionChips.replaceChildren(
      ...all.map((m) => chip(m, 'mono mention', `Notify ${m}`, () => edit((t, a, b) => insertText(t, a, b, m, true)))),
      h('a', { class: 'mon-helper-link', href: '/monitors/settings' }, all.length ? 'Manage channels' : 'No channels yet: add a webhook, Slack or Teams channel'),
    );
    renderMentionWarning();
  }
  function renderMentionWarning(): void {
    const unknown = unknownMentions(message.value, channels);
    mentionWarn.replaceChildren(
      unknown.length ? h('div', { class: 'mon-warn-text' }, `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a configured channel: nothing would be sent there.`) : '',
    );
  }
  // Completion while typing: a list under the caret, moved with the arrow keys and taken
  // with Enter or Tab (or a click); Escape closes it.
  const completeList = h('ul', { class: 'mon-complete', role: 'listbox', 'aria-label': 'Completions', hidden: true });
  let completion: Completion | null = null;
  let completeIndex = 0;
  function caretPoint(): { left: number; top: number } {
    const cs = getComputedStyle(message);
    const mirror = h('div', { style: `position:absolute;visibility:hidden;white-space:pre-wrap;word-wrap:break-word;box-sizing:border-box;width:${message.clientWidth}px;font:${cs.font};padding:${cs.padding};border:${cs.border};line-height:${cs.lineHeight};letter-spacing:${cs.letterSpacing}` });
    mirror.textContent = message.value.slice(0, message.selectionStart);
    const mark = h('span', null, '\u200b');
    mirror.append(mark);
    document.body.append(mirror);
    const p = { left: mark.offsetLeft, top: mark.offsetTop + mark.offsetHeight - message.scrollTop };
    mirror.remove();
    return p;
  }
  function closeCompletion(): void {
    completion = null;
    completeList.hidden = true;
  }
  function renderCompletion(): void {
    if (!completion) return closeCompletion();
    completeList.replaceChildren(
      ...completion.items.map((it, i) =>
        h(
          'li',
          {
            role: 'option',
            class: `mon-complete-item mono${i === completeIndex ? ' active' : ''}`,
            'aria-selected': String(i === completeIndex),
            onmousedown: (e: Event) => {
              e.preventDefault();
              completeIndex = i;
              acceptCompletion();
            },
          },
          it.label,
        ),
      ),
    );
    const p = caretPoint();
    completeList.style.left = `${Math.min(p.left, Math.max(0, message.clientWidth - 260))}px`;
    completeList.style.top = `${message.offsetTop + p.top + 4}px`;
    completeList.hidden = false;
  }
  function updateCompletion(): void {
    const mentions = (['webhook', 'slack', 'teams'] as ChannelKind[]).flatMap((k) => channels[k].map((c) => mention(k, c.name)));
    const vars = [...VALUE_VARIABLES, ...groupVariables(groupKeysOf(currentQuery()))];
    const next = message.selectionStart === message.selectionEnd ? completeAt(message.value, message.selectionStart, mentions, vars) : null;
    if (!next || next.from !== completion?.from) completeIndex = 0;
    completion = next;
    completeIndex = Math.min(completeIndex, (next?.items.length ?? 1) - 1);
    renderCompletion();
  }
  function acceptCompletion(): void {
    if (!completion) return;
    const it = completion.items[completeIndex];
    const { from, to } = completion;
    message.value = message.value.slice(0, from) + it.insert + message.value.slice(to);
    message.focus();
    message.setSelectionRange(from + it.caret, from + it.caret);
    closeCompletion();
    changed();
  }
  message.addEventListener('input', updateCompletion);
  message.addEventListener('click', updateCompletion);
  // Closed a moment after focus leaves (so a click on an item still lands), unless focus
  // came back meanwhile — a helper chip takes focus and gives it back to the message.
  message.addEventListener('blur', () =>
    window.setTimeout(() => {
      if (document.activeElement !== message) closeCompletion();
    }, 100),
  );
  message.addEventListener('keydown', (e: KeyboardEvent) => {
    if (!completion) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = completion.items.length;
      completeIndex = (completeIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderCompletion();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      acceptCompletion();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      closeCompletion();
    }
  });
  message.addEventListener('keyup', (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') updateCompletion();
  });

  // A template error as the server reports it ("message: at 21: …"), on the line it is in.
  function fieldError(text: string, e: ReturnType<typeof parseFieldError>): HTMLElement {
    if (e.position === null) return inlineError(text, null, e.message);
    const { line, col } = lineCol(text, e.position);
    const box = inlineError(text.split('\n')[line - 1] ?? '', col - 1, e.message);
    const msg = box.querySelector('.syntax-message');
    if (msg) msg.textContent = `At ${e.position}${text.includes('\n') ? ` (line ${line}, column ${col})` : ''}: ${e.message}`;
    return box;
  }
  const tags = input('Tags', 'team:web, env:prod', 'input');
  const priority = select('Priority', [['', 'None'], ['1', 'P1 (critical)'], ['2', 'P2 (high)'], ['3', 'P3 (medium)'], ['4', 'P4 (low)'], ['5', 'P5 (info)']]);

  // Preview
  const graph = thresholdGraph(240);
  const previewStatus = h('div', { class: 'mon-preview-status' });
  const previewTitle = h('div', { class: 'mon-preview-range hint' });

  const saveError = h('div', { class: 'mon-save-error' });
  const saveBtn = h('button', { type: 'submit', class: 'btn primary' }, editId === null ? 'Create monitor' : 'Save monitor');
  const cancel = h('a', { class: 'btn', href: editId === null ? '/monitors' : `/monitors/${editId}` }, 'Cancel');
  const loading = h('div', { class: 'mon-loading' });

  const form = h(
    'form',
    {
      class: 'mon-form',
      novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        void save();
      },
    },
    h('div', { class: 'card mon-preview' }, h('div', { class: 'mon-preview-head' }, h('h3', { class: 'mon-step-title' }, 'Preview'), previewTitle), previewStatus, graph.el),
    section(1, 'Choose the detection method', kindRow),
    section(2, 'Define the query', metricBox, eventBox, compositeBox, queryLine, validity),
    section(3, 'Set alert conditions', conditionsBody, compositeConditions),
    section(
      4,
      'Configure notifications',
      h(
        'div',
        { class: 'mon-notify' },
        field('Monitor name', name, 'grow'),
        nameCheck,
        h('div', { class: 'field grow mon-message-field' }, h('label', { for: 'mon-message' }, 'Message'), messageHelper, message, completeList),
        h('div', { class: 'hint' }, 'Type @ for a channel, {{ for a variable, {{# for a section.'),
        messageCheck,
        mentionWarn,
        h('div', { class: 'mon-row2' }, field('Tags', tags, 'grow'), field('Priority', priority)),
      ),
    ),
    h('div', { class: 'mon-form-footer' }, saveError, h('div', { class: 'mon-footer-buttons' }, cancel, saveBtn)),
  );
  const el = h('section', { class: 'mon-page mon-form-page' }, loading, form);

  function currentQuery(): string {
    return rawMode ? raw.value.trim() : composeQuery(c);
  }

  function setKind(k: MonitorKind): void {
    if (c.kind === k) return;
    const keep = { comparator: c.comparator, threshold: c.threshold };
    const window = c.kind === 'metric' ? c.metric.window : c.event.window;
    const next = emptyComposed(k);
    next.metric = { ...c.metric };
    next.event = { ...c.event };
    if (k === 'metric') next.metric.window = window;
    else next.event.window = window;
    c = { ...next, ...keep, composite: c.composite };
    if (rawMode) raw.value = composeQuery(c);
    syncControls();
    changed();
  }

  function setRaw(on: boolean): void {
    rawMode = on;
    if (on) raw.value = composeQuery(c);
    else {
      const parsed = parseMonitorQuery(raw.value, c.kind);
      if (parsed) c = parsed;
    }
    syncControls();
    if (on) raw.focus();
    changed();
  }

  // Shows `c` in every control.
  function syncControls(): void {
    for (const [k, b] of kindButtons) {
      b.classList.toggle('active', k === c.kind);
      b.setAttribute('aria-checked', String(k === c.kind));
    }
    const isMetric = c.kind === 'metric';
    const isEvent = c.kind === 'logs' || c.kind === 'trace-analytics' || c.kind === 'rum';
    metricBox.hidden = !isMetric;
    eventBox.hidden = !isEvent;
    compositeBox.hidden = c.kind !== 'composite';
    fullWindowField.hidden = !isMetric;
    conditionsBody.hidden = c.kind === 'composite';
    compositeConditions.hidden = c.kind !== 'composite';
    queryText.hidden = rawMode;
    raw.hidden = !rawMode;
    rawToggle.textContent = rawMode ? 'Use the builder' : 'Edit query';
    // The builder follows the metric query while it fits.
    const mq = c.metric.query.trim() ? parseQuery(c.metric.query) : emptyQuery();
    const unread = rawMode && !parseMonitorQuery(raw.value, c.kind);
    builderNote.textContent = unread
      ? 'The form follows the typed query once it reads as a whole monitor query.'
      : 'This query uses more than the builder shows (a formula or function); edit it with Edit query.';
    builderNote.hidden = mq !== null && !unread;
    for (const i of [agg, metric, scope, by]) i.disabled = mq === null || rawMode;
    if (mq) {
      builder = mq;
      agg.value = mq.aggregator;
      if (document.activeElement !== metric) metric.value = mq.metric;
      if (document.activeElement !== scope) scope.value = mq.scope.join(',');
      if (document.activeElement !== by) by.value = mq.groupBy.join(',');
    }
    if (document.activeElement !== search) search.value = c.event.search;
    rollup.value = c.event.rollup;
    if (document.activeElement !== measure) measure.value = c.event.measure;
    measureField.hidden = c.event.rollup === 'count';
    if (document.activeElement !== eventBy) eventBy.value = c.event.by.join(', ');
    if (document.activeElement !== composite) composite.value = c.composite;
    for (const i of [search, rollup, measure, eventBy, composite, timeAgg, changeMode, windowSel, changeWindow, comparator]) i.disabled = rawMode;
    timeAgg.value = c.metric.timeAggregation;
    changeMode.value = c.metric.change;
    aggWrap.hidden = !isMetric;
    changeWrap.hidden = !isMetric || c.metric.change === 'threshold';
    windowSel.value = isMetric ? c.metric.window : c.event.window;
    changeWindow.value = c.metric.changeWindow;
    comparator.value = c.comparator;
    if (document.activeElement !== critical) critical.value = c.threshold === null ? '' : String(c.threshold);
    if (!rawMode) queryText.textContent = composeQuery(c) || 'Fill in the query above.';
  }

  // Reads the controls into `c`.
  function fromControls(): void {
    if (!rawMode) {
      if (c.kind === 'metric' && !metric.disabled) {
        builder = { ...builder, aggregator: agg.value, metric: metric.value.trim(), scope: list(scope.value), groupBy: list(by.value) };
        c.metric.query = buildQuery(builder);
      }
      c.metric.timeAggregation = timeAgg.value;
      c.metric.change = changeMode.value as ChangeMode;
      c.metric.changeWindow = changeWindow.value;
      if (c.kind === 'metric') c.metric.window = windowSel.value;
      else c.event.window = windowSel.value;
      c.event.search = search.value;
      c.event.rollup = rollup.value;
      c.event.measure = measure.value.trim();
      c.event.by = list(eventBy.value);
      c.composite = composite.value;
      c.comparator = comparator.value as Comparator;
    }
    c.threshold = num(critical.value);
    if (rawMode) {
      // The threshold field writes the query's threshold.
      const parsed = parseMonitorQuery(raw.value, c.kind);
      if (parsed && parsed.kind !== 'composite') {
        parsed.threshold = c.threshold;
        raw.value = composeQuery(parsed);
        c = parsed;
      }
    }
  }

  const onControl = () => {
    fromControls();
    syncControls();
    changed();
  };
  for (const i of [agg, timeAgg, changeMode, windowSel, changeWindow, comparator, rollup]) i.addEventListener('change', onControl);
  for (const i of [metric, scope, by, search, measure, eventBy, composite, critical]) i.addEventListener('input', onControl);
  for (const i of [warning, criticalRecovery, warningRecovery, evalDelay, name, message]) i.addEventListener('input', () => changed());
  for (const i of [missing, renotify, fullWindow]) i.addEventListener('change', () => changed());
  raw.addEventListener('input', () => {
    const text = raw.value;
    const kind = text.trim() ? guessKind(text) : c.kind;
    const parsed = parseMonitorQuery(text, kind);
    if (parsed) c = parsed;
    else c.kind = kind;
    syncControls();
    changed();
  });

  function thresholds(): Thresholds {
    const t: Thresholds = {};
    const crit = rawMode ? (parseMonitorQuery(raw.value, c.kind)?.threshold ?? num(critical.value)) : c.threshold;
    if (crit !== null) t.critical = crit;
    const w = num(warning.value);
    if (w !== null) t.warning = w;
    const cr = num(criticalRecovery.value);
    if (cr !== null) t.critical_recovery = cr;
    const wr = num(warningRecovery.value);
    if (wr !== null) t.warning_recovery = wr;
    return t;
  }

  function monitorInput(): MonitorInput {
    const options: MonitorOptions = { ...(original?.options ?? {}) };
    delete options.notify_no_data;
    if (c.kind === 'composite') delete options.thresholds;
    else options.thresholds = thresholds();
    const delay = num(evalDelay.value);
    if (delay !== null && delay > 0) options.evaluation_delay = delay;
    else delete options.evaluation_delay;
    options.on_missing_data = missing.value;
    const re = num(renotify.value);
    if (re !== null) options.renotify_interval = re;
    else delete options.renotify_interval;
    if (c.kind === 'metric') options.require_full_window = fullWindow.checked;
    else delete options.require_full_window;
    return {
      name: name.value.trim(),
      type: monitorType(c.kind),
      query: currentQuery(),
      message: message.value,
      tags: list(tags.value),
      priority: num(priority.value),
      options,
    };
  }

  function changed(): void {
    renderGroupVars();
    renderMentionWarning();
    window.clearTimeout(validateTimer);
    window.clearTimeout(previewTimer);
    validateTimer = window.setTimeout(() => void validate(), 350);
    previewTimer = window.setTimeout(() => void preview(), 450);
  }

  async function validate(): Promise<void> {
    validateAbort?.abort();
    const q = currentQuery();
    if (!q) {
      validity.replaceChildren();
      return;
    }
    const ac = new AbortController();
    validateAbort = ac;
    const m = monitorInput();
    try {
      await validateMonitor({ type: m.type, query: m.query, options: m.options, name: m.name, message: m.message }, ac.signal);
      if (ac.signal.aborted) return;
      validity.replaceChildren(h('div', { class: 'mon-valid' }, '✓ The query and thresholds are valid'));
      nameCheck.replaceChildren();
      messageCheck.replaceChildren();
    } catch (e) {
      if (isAbort(e) || ac.signal.aborted) return;
      if (e instanceof ApiError && e.status === 400) {
        const all = e.message.split('; ');
        // Template errors go under the name or the message; the rest under the query.
        const forField = (f: string) => all.map(parseFieldError).filter((x) => x.field === f);
        nameCheck.replaceChildren(...forField('name').map((x) => fieldError(m.name, x)));
        messageCheck.replaceChildren(...forField('message').map((x) => fieldError(m.message, x)));
        const rest = all.filter((msg) => !['name', 'message'].includes(parseFieldError(msg).field));
        validity.replaceChildren(
          ...(rest.length ? [] : [h('div', { class: 'mon-valid' }, '✓ The query and thresholds are valid')]),
          ...rest.map((msg) => {
            const isQuery = msg.startsWith('query: ');
            const { position, message } = errorPosition(isQuery ? msg.slice('query: '.length) : msg);
            return isQuery ? inlineError(q, position, message) : inlineError(q, null, msg);
          }),
        );
      } else validity.replaceChildren(errorBox((e as Error).message, () => void validate()));
    }
  }

  async function preview(): Promise<void> {
    previewAbort?.abort();
    const s = app.state();
    const r = resolveRange(s.range, Date.now());
    previewTitle.textContent = `${new Date(r.from).toLocaleString()} – ${new Date(r.to).toLocaleString()}`;
    const parsed = rawMode ? parseMonitorQuery(raw.value, c.kind) : c;
    if (!parsed || parsed.kind === 'composite') {
      graph.clear();
      previewStatus.replaceChildren(h('div', { class: 'empty' }, parsed ? 'A composite has no graph: its state follows the monitors it names.' : 'The preview shows queries the builder can read.'));
      return;
    }
    if (parsed.kind === 'metric' && !parsed.metric.query.trim()) {
      graph.clear();
      previewStatus.replaceChildren(h('div', { class: 'empty' }, 'Pick a metric to see it graphed with the thresholds.'));
      return;
    }
    const ac = new AbortController();
    previewAbort = ac;
    previewStatus.classList.add('loading');
    try {
      const data = await queryGraph(parsed, r.from, r.to, ac.signal);
      if (ac.signal.aborted) return;
      const isChange = parsed.kind === 'metric' && parsed.metric.change !== 'threshold';
      const lines = isChange ? [] : thresholdLines(thresholds(), parsed.comparator);
      previewStatus.replaceChildren(
        isChange ? h('div', { class: 'hint' }, 'The thresholds apply to the change of this query, so they are not drawn on it.') : h('div', { class: 'hint' }, `${data.lines.length} group${data.lines.length === 1 ? '' : 's'}`),
      );
      graph.show(data, lines);
    } catch (e) {
      if (isAbort(e) || ac.signal.aborted) return;
      graph.clear();
      // A query error is shown under the query by the validation.
      previewStatus.replaceChildren(e instanceof ApiError && e.status === 400 ? h('div', { class: 'empty' }, 'The query cannot be graphed yet.') : errorBox((e as Error).message, () => void preview()));
    } finally {
      previewStatus.classList.remove('loading');
    }
  }

  async function save(): Promise<void> {
    if (saving) return;
    const m = monitorInput();
    if (!m.name) {
      saveError.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, 'Give the monitor a name.'));
      name.focus();
      return;
    }
    saving = true;
    saveBtn.disabled = true;
    saveError.replaceChildren();
    try {
      const saved = editId === null ? await createMonitor(m) : await updateMonitor(editId, m);
      app.go(`/monitors/${saved.id}`);
    } catch (e) {
      saveError.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Could not save: '), h('span', { class: 'error-text' }, (e as Error).message)));
    } finally {
      saving = false;
      saveBtn.disabled = false;
    }
  }

  function fill(mon: Monitor, clone: boolean): void {
    original = clone ? { ...mon, options: { ...mon.options } } : mon;
    const kind = kindOf(mon.type) ?? guessKind(mon.query);
    const parsed = parseMonitorQuery(mon.query, kind);
    if (parsed) {
      c = parsed;
      rawMode = false;
    } else {
      c = emptyComposed(kind);
      rawMode = true;
      raw.value = mon.query;
    }
    const o = mon.options ?? {};
    const t = o.thresholds ?? {};
    const s = (v: unknown) => (typeof v === 'number' ? String(v) : '');
    warning.value = s(t.warning);
    criticalRecovery.value = s(t.critical_recovery);
    warningRecovery.value = s(t.warning_recovery);
    if (!parsed) critical.value = s(t.critical);
    evalDelay.value = s(o.evaluation_delay);
    fullWindow.checked = o.require_full_window === true;
    missing.value = o.on_missing_data ?? (o.notify_no_data ? 'show_and_notify_no_data' : 'default');
    renotify.value = s(o.renotify_interval);
    if (!renotify.value && typeof o.renotify_interval === 'number') renotify.append(h('option', { value: String(o.renotify_interval) }, `Every ${o.renotify_interval} minutes`));
    renotify.value = s(o.renotify_interval);
    name.value = clone ? `${mon.name} (clone)` : mon.name;
    message.value = mon.message ?? '';
    tags.value = (mon.tags ?? []).join(', ');
    priority.value = mon.priority ? String(mon.priority) : '';
    syncControls();
    changed();
  }

  async function loadMetrics(): Promise<void> {
    try {
      const from = Math.floor(Date.now() / 1000) - 30 * 86400;
      const r = await api<{ metrics: string[] }>(`/api/v1/metrics?from=${from}`);
      metricList.replaceChildren(...r.metrics.slice().sort().slice(0, 500).map((v) => h('option', { value: v })));
    } catch {
      /* completions are a help, not a requirement */
    }
  }
  async function loadCompositeHint(): Promise<void> {
    try {
      const all = await listMonitors('', []);
      const others = all.filter((m) => m.id !== editId && kindOf(m.type) !== 'composite');
      compositeHint.replaceChildren(
        others.length ? 'Monitors: ' : 'There are no monitors to combine yet.',
        ...others.slice(0, 30).flatMap((m, i) => [i ? ', ' : '', h('code', null, String(m.id)), ` ${m.name}`]),
      );
    } catch {
      /* the hint is optional */
    }
  }

  async function loadChannels(): Promise<void> {
    channels = await allChannels();
    renderMentions();
  }

  async function start(): Promise<void> {
    void loadMetrics();
    void loadChannels();
    void loadCompositeHint();
    const cloneId = Number(new URLSearchParams(location.search).get('clone'));
    const from = editId ?? (Number.isInteger(cloneId) && cloneId > 0 ? cloneId : null);
    if (from === null) {
      missing.value = 'default';
      syncControls();
      changed();
      return;
    }
    form.hidden = true;
    loading.replaceChildren(h('div', { class: 'empty' }, 'Loading the monitor…'));
    try {
      const mon = await getMonitor(from);
      loading.replaceChildren();
      form.hidden = false;
      fill(mon, editId === null);
    } catch (e) {
      loading.replaceChildren(errorBox((e as Error).message, () => void start()));
    }
  }
  void start();

  const onTheme = () => void preview();
  window.addEventListener('heeler-theme', onTheme);
  return {
    el,
    update(s, prev) {
      if (s.range !== prev.range && prev !== s) void preview();
    },
    destroy() {
      validateAbort?.abort();
      previewAbort?.abort();
      window.clearTimeout(validateTimer);
      window.clearTimeout(previewTimer);
      window.removeEventListener('heeler-theme', onTheme);
      graph.destroy();
    },
  };
}
