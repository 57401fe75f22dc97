// The widget editor: a side panel with the widget's queries (the metrics explorer's
// builder and raw query, in sync), its display options and a live preview.
import { api } from '../api';
import { h } from '../dom';
import { buildQuery, emptyQuery, parseQuery, SPACE_AGGREGATORS } from '../query';
import { WIDGET_TYPES, type ConditionalFormat, type Widget, type WidgetDefinition, type WidgetRequest } from './model';
import { CONDITIONAL_PALETTES } from './reduce';
import { NOTE_COLORS } from './widgets';

let metricNames: Promise<string[]> | null = null;
let listSeq = 0;

function metricList(): HTMLDataListElement {
  const dl = h('datalist', { id: `dash-metrics-${++listSeq}` });
  metricNames ??= api<{ metrics: string[] }>(`/api/v1/metrics?from=${Math.floor(Date.now() / 1000) - 30 * 86400}`)
    .then((r) => r.metrics.slice().sort())
    .catch(() => []);
  void metricNames.then((m) => dl.replaceChildren(...m.slice(0, 500).map((v) => h('option', { value: v }))));
  return dl;
}

function select(label: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const s = h('select', { class: 'input', 'aria-label': label, onchange: () => onChange(s.value) }, ...options.map(([v, text]) => h('option', { value: v }, text)));
  s.value = value;
  return h('label', { class: 'field' }, label, s);
}

function textField(label: string, value: string, onChange: (v: string) => void, attrs: Record<string, unknown> = {}): HTMLElement {
  const i = h('input', { class: 'input', 'aria-label': label, value, spellcheck: false, autocomplete: 'off', ...attrs, oninput: () => onChange(i.value) });
  return h('label', { class: 'field grow' }, label, i);
}

// A query as the explorer edits it: builder fields over the raw text.
function queryEditor(value: string, onChange: (q: string) => void, label = 'Query'): HTMLElement {
  const dl = metricList();
  const agg = h('select', { class: 'input', 'aria-label': 'Space aggregator' }, ...SPACE_AGGREGATORS.map((a) => h('option', { value: a }, a)));
  const metric = h('input', { class: 'input', placeholder: 'metric', list: dl.id, 'aria-label': 'Metric', autocomplete: 'off', spellcheck: false });
  const scope = h('input', { class: 'input', placeholder: 'from: *', 'aria-label': 'Scope', autocomplete: 'off', spellcheck: false });
  const by = h('input', { class: 'input', placeholder: 'by: everything', 'aria-label': 'Group by', autocomplete: 'off', spellcheck: false });
  const raw = h('input', { class: 'input mono', placeholder: 'avg:system.cpu.user{$host} by {host}', 'aria-label': label, value, spellcheck: false, autocomplete: 'off' });
  const note = h('div', { class: 'hint', hidden: true }, 'More than the builder shows: edit the text.');
  let functions = '';
  const toBuilder = () => {
    const q = raw.value.trim() ? parseQuery(raw.value) : emptyQuery();
    note.hidden = q !== null;
    for (const i of [agg, metric, scope, by]) i.disabled = q === null;
    if (!q) return;
    agg.value = q.aggregator;
    metric.value = q.metric;
    scope.value = q.scope.join(',');
    by.value = q.groupBy.join(',');
    functions = q.functions;
  };
  const fromBuilder = () => {
    raw.value = buildQuery({
      aggregator: agg.value,
      metric: metric.value.trim(),
      scope: scope.value.split(',').map((s) => s.trim()).filter(Boolean),
      groupBy: by.value.split(',').map((s) => s.trim()).filter(Boolean),
      functions,
    });
    onChange(raw.value);
  };
  for (const i of [metric, scope, by]) i.addEventListener('input', fromBuilder);
  agg.addEventListener('change', fromBuilder);
  raw.addEventListener('input', () => {
    toBuilder();
    onChange(raw.value);
  });
  toBuilder();
  return h('div', { class: 'q-editor' }, h('div', { class: 'q-builder' }, agg, metric, scope, by), note, raw, dl);
}

const AGGREGATORS: [string, string][] = ['avg', 'last', 'min', 'max', 'sum'].map((a) => [a, a]);

function formatsEditor(req: WidgetRequest, changed: () => void): HTMLElement {
  const list = h('div', { class: 'cf-list' });
  const render = () => {
    const formats = (req.conditional_formats ??= []);
    list.replaceChildren(
      ...formats.map((f, i) =>
        h(
          'div',
          { class: 'cf-row' },
          select('Comparator', ['>', '>=', '<', '<='].map((c) => [c, c]), f.comparator, (v) => {
            f.comparator = v as ConditionalFormat['comparator'];
            changed();
          }),
          textField('Value', String(f.value), (v) => {
            f.value = Number(v);
            changed();
          }, { type: 'number', step: 'any' }),
          select('Palette', Object.keys(CONDITIONAL_PALETTES).map((p) => [p, p.replace(/_/g, ' ')]), f.palette, (v) => {
            f.palette = v;
            changed();
          }),
          h('button', { class: 'btn icon', type: 'button', title: 'Remove this condition', 'aria-label': 'Remove condition', onclick: () => {
            formats.splice(i, 1);
            render();
            changed();
          } }, '✕'),
        ),
      ),
    );
  };
  render();
  return h(
    'div',
    { class: 'editor-section' },
    h('div', { class: 'editor-section-title' }, 'Conditional formats'),
    list,
    h('button', { class: 'btn', type: 'button', onclick: () => {
      (req.conditional_formats ??= []).push({ comparator: '>', value: 0, palette: 'white_on_red' });
      render();
      changed();
    } }, '+ Add condition'),
  );
}

export interface EditorOptions {
  widget: Widget;
  isNew: boolean;
  preview(def: WidgetDefinition, box: HTMLElement): void;
  apply(widget: Widget): void;
  cancel(): void;
}

export function widgetEditor(opts: EditorOptions): { el: HTMLElement; destroy(): void } {
  const w: Widget = JSON.parse(JSON.stringify(opts.widget));
  const def = w.definition;
  const previewBox = h('div', { class: 'editor-preview-body' });
  let timer: number | undefined;
  const changed = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => opts.preview(def, previewBox), 350);
  };
  const form = h('div', { class: 'editor-form' });
  const typeLabel = WIDGET_TYPES.find((t) => t.type === def.type)?.label ?? def.type;

  const render = () => {
    const parts: HTMLElement[] = [textField('Title', String(def.title ?? ''), (v) => {
      def.title = v;
      changed();
    }, { placeholder: typeLabel })];
    if (def.type === 'note') {
      const ta = h('textarea', { class: 'input mono note-input', rows: 8, 'aria-label': 'Note text', spellcheck: true });
      ta.value = String(def.content ?? '');
      ta.addEventListener('input', () => {
        def.content = ta.value;
        changed();
      });
      parts.push(
        h('label', { class: 'field' }, 'Text (Markdown: # heading, **bold**, *italics*, [link](https://…), - lists, `code`)', ta),
        h(
          'div',
          { class: 'editor-row' },
          select('Background', NOTE_COLORS.map((c) => [c, c]), String(def.background_color ?? 'yellow'), (v) => {
            def.background_color = v;
            changed();
          }),
          select('Font size', ['12', '14', '16', '18', '24', '36'].map((s) => [s, `${s}px`]), String(def.font_size ?? '14'), (v) => {
            def.font_size = v;
            changed();
          }),
          select('Align', ['left', 'center', 'right'].map((s) => [s, s]), String(def.text_align ?? 'left'), (v) => {
            def.text_align = v;
            changed();
          }),
        ),
      );
    } else {
      const reqs = (def.requests ??= [{ q: '' }]);
      if (!reqs.length) reqs.push({ q: '' });
      const many = def.type === 'timeseries';
      (many ? reqs : reqs.slice(0, 1)).forEach((req, i) => {
        const sec = h('div', { class: 'editor-section' }, h('div', { class: 'editor-section-title' }, many ? `Query ${String.fromCharCode(97 + i)}` : 'Query'));
        if (req.q === undefined && req.queries) {
          sec.append(h('div', { class: 'hint' }, 'This request uses named queries and formulas; they are kept as imported.'));
        } else {
          sec.append(queryEditor(String(req.q ?? ''), (q) => {
            req.q = q;
            changed();
          }));
        }
        if (def.type === 'timeseries') {
          sec.append(
            h(
              'div',
              { class: 'editor-row' },
              select('Display', [['line', 'Line'], ['area', 'Area'], ['bars', 'Bars']], String(req.display_type ?? 'line'), (v) => {
                req.display_type = v as WidgetRequest['display_type'];
                changed();
              }),
              select('Palette', ['dog_classic', 'cool', 'warm', 'purple', 'orange', 'gray'].map((p) => [p, p.replace('dog_', '')]), String(req.style?.palette ?? 'dog_classic'), (v) => {
                req.style = { ...(req.style ?? {}), palette: v };
                changed();
              }),
              reqs.length > 1
                ? h('button', { class: 'btn', type: 'button', onclick: () => {
                    reqs.splice(i, 1);
                    render();
                    changed();
                  } }, 'Remove query')
                : null,
            ),
          );
        }
        if (def.type === 'query_value' || def.type === 'query_table') {
          sec.append(
            h(
              'div',
              { class: 'editor-row' },
              select('Aggregate over time', AGGREGATORS, String(req.aggregator ?? 'avg'), (v) => {
                req.aggregator = v;
                changed();
              }),
              def.type === 'query_table'
                ? textField('Column name', String(req.alias ?? ''), (v) => {
                    req.alias = v || undefined;
                    changed();
                  })
                : null,
              def.type === 'query_table'
                ? textField('Rows', String(req.limit ?? ''), (v) => {
                    req.limit = v ? Number(v) : undefined;
                    changed();
                  }, { type: 'number', min: 1 })
                : null,
            ),
          );
        }
        parts.push(sec);
        if (def.type === 'query_value') parts.push(formatsEditor(req, changed));
      });
      if (many) {
        parts.push(h('button', { class: 'btn', type: 'button', onclick: () => {
          reqs.push({ q: '', display_type: 'line' });
          render();
        } }, '+ Add query'));
        const legend = h('input', { type: 'checkbox', 'aria-label': 'Show legend', checked: def.show_legend !== false });
        legend.addEventListener('change', () => {
          def.show_legend = legend.checked;
          changed();
        });
        parts.push(h('label', { class: 'check' }, legend, ' Show legend'));
      }
      if (def.type === 'query_value') {
        parts.push(
          h(
            'div',
            { class: 'editor-row' },
            textField('Decimals', String(def.precision ?? 2), (v) => {
              def.precision = v === '' ? undefined : Number(v);
              changed();
            }, { type: 'number', min: 0, max: 10 }),
            textField('Unit', String(def.custom_unit ?? ''), (v) => {
              def.custom_unit = v || undefined;
              changed();
            }),
          ),
        );
      }
    }
    form.replaceChildren(...parts);
  };
  render();

  const el = h(
    'aside',
    { class: 'widget-editor', role: 'dialog', 'aria-label': 'Widget editor' },
    h('div', { class: 'editor-head' }, h('h2', null, `${opts.isNew ? 'New' : 'Edit'} ${typeLabel.toLowerCase()}`), h('button', { class: 'btn icon', title: 'Close', 'aria-label': 'Close editor', onclick: () => opts.cancel() }, '✕')),
    h('div', { class: 'editor-preview' }, previewBox),
    form,
    h(
      'div',
      { class: 'editor-actions' },
      h('button', { class: 'btn', onclick: () => opts.cancel() }, 'Cancel'),
      h('button', { class: 'btn primary', onclick: () => {
        // Empty extra queries are not kept.
        if (def.requests && def.type !== 'note') def.requests = def.requests.filter((r, i) => i === 0 || r.queries || (r.q ?? '').trim());
        opts.apply(w);
      } }, opts.isNew ? 'Add widget' : 'Apply'),
    ),
  );
  opts.preview(def, previewBox);
  return {
    el,
    destroy() {
      window.clearTimeout(timer);
    },
  };
}
