// Dashboards in Datadog's v1 JSON shape, as the API stores them and as Datadog exports
// them, and the normalisation an imported or stored dashboard goes through before the
// page draws it.

export type LayoutType = 'ordered' | 'free';

export interface Layout {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ConditionalFormat {
  comparator: '>' | '>=' | '<' | '<=';
  value: number;
  palette: string;
  [extra: string]: unknown;
}

export interface NamedQuery {
  name: string;
  query: string;
  data_source?: string;
  aggregator?: string;
  [extra: string]: unknown;
}

export interface Formula {
  formula: string;
  alias?: string;
  [extra: string]: unknown;
}

export interface WidgetRequest {
  q?: string;
  queries?: NamedQuery[];
  formulas?: Formula[];
  display_type?: 'line' | 'area' | 'bars';
  style?: { palette?: string; line_type?: string; line_width?: string; [extra: string]: unknown };
  aggregator?: string;
  conditional_formats?: ConditionalFormat[];
  alias?: string;
  limit?: number;
  order?: 'asc' | 'desc';
  [extra: string]: unknown;
}

export interface WidgetDefinition {
  type: string;
  title?: string;
  requests?: WidgetRequest[];
  // note
  content?: string;
  background_color?: string;
  font_size?: string;
  text_align?: string;
  // query_value
  precision?: number;
  custom_unit?: string;
  // timeseries
  show_legend?: boolean;
  [extra: string]: unknown;
}

export interface Widget {
  id?: number;
  definition: WidgetDefinition;
  layout?: Layout;
}

export interface TemplateVariable {
  name: string;
  prefix?: string | null;
  default?: string;
  defaults?: string[];
  available_values?: string[];
  [extra: string]: unknown;
}

export interface Dashboard {
  id?: string;
  url?: string;
  title: string;
  description?: string | null;
  layout_type: LayoutType;
  widgets: Widget[];
  template_variables?: TemplateVariable[];
  notify_list?: string[];
  reflow_type?: string;
  created_at?: string;
  modified_at?: string;
  author_handle?: string;
  [extra: string]: unknown;
}

export interface DashboardSummary {
  id: string;
  title: string;
  description?: string | null;
  layout_type: LayoutType;
  url: string;
  created_at: string;
  modified_at: string;
  author_handle?: string;
}

export const WIDGET_TYPES: { type: string; label: string }[] = [
  { type: 'timeseries', label: 'Timeseries' },
  { type: 'query_value', label: 'Query value' },
  { type: 'toplist', label: 'Top list' },
  { type: 'query_table', label: 'Table' },
  { type: 'sunburst', label: 'Pie' },
  { type: 'heatmap', label: 'Heatmap' },
  { type: 'note', label: 'Note' },
];
export const SUPPORTED = new Set(WIDGET_TYPES.map((t) => t.type));

export const COLUMNS = 12;

// The size a widget of each type takes when it is added or has no layout.
export function defaultSize(type: string): { width: number; height: number } {
  switch (type) {
    case 'query_value':
      return { width: 2, height: 2 };
    case 'group':
      return { width: 12, height: 4 };
    case 'note':
      return { width: 3, height: 2 };
    case 'toplist':
    case 'query_table':
    case 'sunburst':
      return { width: 4, height: 3 };
    default:
      return { width: 4, height: 2 };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown, fallback: number, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}

export class ImportError extends Error {}

// Accepts a dashboard as Datadog exports it (or as this UI does): unknown fields are
// kept as they are, the fields the UI reads are checked, and widgets get a layout on
// the 12-column grid. A "free" layout's coordinates do not map to the grid, so its
// widgets flow onto the grid in reading order. Throws ImportError naming what is wrong.
export function normalizeDashboard(input: unknown): Dashboard {
  if (!isObject(input)) throw new ImportError('The JSON is not a dashboard object.');
  // A Datadog "dashboard list" or API wrapper: { "data": {...} } is not a dashboard.
  const title = input.title;
  if (typeof title !== 'string' || !title.trim()) throw new ImportError('The dashboard needs a "title" (text).');
  if (!Array.isArray(input.widgets)) throw new ImportError('The dashboard needs "widgets" (a list).');
  const layoutType: LayoutType = input.layout_type === 'free' ? 'free' : 'ordered';
  const widgets: Widget[] = [];
  input.widgets.forEach((w, i) => {
    if (!isObject(w) || !isObject(w.definition) || typeof w.definition.type !== 'string') {
      throw new ImportError(`widgets[${i}] needs a "definition" with a "type".`);
    }
    const def = { ...(w.definition as WidgetDefinition) };
    if (def.requests !== undefined && !Array.isArray(def.requests)) throw new ImportError(`widgets[${i}].definition.requests must be a list.`);
    const widget: Widget = { definition: def };
    if (typeof w.id === 'number') widget.id = w.id;
    if (isObject(w.layout) && layoutType === 'ordered') {
      const l = w.layout;
      const width = int(l.width, defaultSize(def.type).width, 1, COLUMNS);
      widget.layout = {
        x: int(l.x, 0, 0, COLUMNS - width),
        y: int(l.y, 0, 0, 10_000),
        width,
        height: int(l.height, defaultSize(def.type).height, 1, 100),
      };
    } else if (isObject(w.layout)) {
      // Free layout: order by position, place later.
      (widget as Widget & { _order?: number[] })._order = [Number(w.layout.y) || 0, Number(w.layout.x) || 0];
    }
    widgets.push(widget);
  });
  if (layoutType === 'free') {
    const ordered = widgets
      .map((w, i) => ({ w, o: (w as Widget & { _order?: number[] })._order ?? [Infinity, i] }))
      .sort((a, b) => a.o[0] - b.o[0] || a.o[1] - b.o[1]);
    widgets.length = 0;
    for (const { w } of ordered) {
      delete (w as Widget & { _order?: number[] })._order;
      widgets.push(w);
    }
  }
  const tvs: TemplateVariable[] = [];
  if (input.template_variables !== undefined) {
    if (!Array.isArray(input.template_variables)) throw new ImportError('"template_variables" must be a list.');
    input.template_variables.forEach((t, i) => {
      if (!isObject(t) || typeof t.name !== 'string' || !t.name) throw new ImportError(`template_variables[${i}] needs a "name".`);
      tvs.push({ ...(t as TemplateVariable) });
    });
  }
  const out: Dashboard = { ...(input as Dashboard), title: title.trim(), layout_type: layoutType, widgets, template_variables: tvs };
  return out;
}

// The body a POST or PUT sends: what the server stores, without what it assigns.
export function toBody(d: Dashboard): Dashboard {
  const { id: _id, url: _url, created_at: _c, modified_at: _m, author_handle: _a, ...rest } = d;
  void _id;
  void _url;
  void _c;
  void _m;
  void _a;
  return { ...rest, layout_type: 'ordered' };
}

// The JSON "Export" offers: the stored dashboard as Datadog shapes it.
export function exportJson(d: Dashboard): string {
  return JSON.stringify(d, null, 2);
}

// The text queries a widget runs, each with the label its series take.
export function requestQuery(r: WidgetRequest): { query: string; alias?: string } | null {
  if (typeof r.q === 'string' && r.q.trim()) return { query: r.q.trim(), alias: r.alias };
  if (Array.isArray(r.queries) && r.queries.length) {
    const byName = new Map(r.queries.filter((q) => q && typeof q.name === 'string' && typeof q.query === 'string').map((q) => [q.name, q.query]));
    const f = Array.isArray(r.formulas) && r.formulas.length ? r.formulas[0] : { formula: r.queries[0].name };
    const formula = String(f.formula ?? '').trim();
    if (byName.has(formula)) return { query: byName.get(formula)!, alias: f.alias };
    // A formula of named queries: each name becomes its query, in parentheses.
    const text = formula.replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, (name) => (byName.has(name) ? `(${byName.get(name)})` : name));
    return text ? { query: text, alias: f.alias } : null;
  }
  return null;
}
