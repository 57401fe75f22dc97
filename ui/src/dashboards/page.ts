// /dashboard/<id>[/<slug>]: a dashboard's widgets on the 12-column grid, its template
// variables and "compare to" overlay, and its edit mode (move, resize, add, edit and
// remove widgets, rename, variables), with Save, Cancel, Clone, Export and Delete.
// Template variable values and the overlay live in the URL (tpl_<name>=, compare=).
import { ApiError, isAbort } from '../api';
import { errorBox, h } from '../dom';
import type { App, Page } from '../main';
import { encodeState, resolveRange, type ViewState } from '../state';
import { confirmDialog, exportDialog, modal } from './dialogs';
import { widgetEditor } from './editor';
import { cellAt, move, place, resize, settle, type GridItem } from './grid';
import { COLUMNS, defaultSize, normalizeDashboard, SUPPORTED, WIDGET_TYPES, type Dashboard, type TemplateVariable, type Widget, type WidgetDefinition } from './model';
import { createDashboard, dashboardPath, deleteDashboard, getDashboard, tagValues, updateDashboard } from './store';
import { currentValues, readTplParams } from './tplvars';
import { createWidget, type Compare, type DrawContext, type WidgetView } from './widgets';

const ROW = 96;
const GAP = 12;

interface Frame {
  widget: Widget;
  el: HTMLElement;
  body: HTMLElement;
  view: WidgetView | null;
  draw(ctx: DrawContext): Promise<void>;
  destroy(): void;
}

function newWidgetId(): number {
  return Math.floor(Math.random() * 2 ** 50) + 1;
}

// Every widget gets an id and a place on the grid.
function withLayouts(widgets: Widget[]): Widget[] {
  const items: GridItem[] = [];
  const out = widgets.map((w) => ({ ...w, id: w.id ?? newWidgetId() }));
  for (const w of out) if (w.layout) items.push({ id: w.id!, x: w.layout.x, y: w.layout.y, w: w.layout.width, h: w.layout.height });
  for (const w of out) {
    if (w.layout) continue;
    const size = defaultSize(w.definition.type);
    const at = place(items, size.width, size.height);
    w.layout = { x: at.x, y: at.y, width: size.width, height: size.height };
    items.push({ id: w.id!, x: at.x, y: at.y, w: size.width, h: size.height });
  }
  const settled = settle(items);
  const byId = new Map(settled.map((i) => [i.id, i]));
  return out.map((w) => {
    const i = byId.get(w.id!)!;
    return { ...w, layout: { x: i.x, y: i.y, width: i.w, height: i.h } };
  });
}

function itemsOf(widgets: Widget[]): GridItem[] {
  return widgets.map((w) => ({ id: w.id!, x: w.layout!.x, y: w.layout!.y, w: w.layout!.width, h: w.layout!.height }));
}

function placeEl(el: HTMLElement, i: { x: number; y: number; w: number; h: number }): void {
  el.style.gridColumn = `${i.x + 1} / span ${i.w}`;
  el.style.gridRow = `${i.y + 1} / span ${i.h}`;
}

export function drawInto(def: WidgetDefinition, body: HTMLElement, el: HTMLElement, view: WidgetView | null, ctx: DrawContext, retry: () => void): Promise<void> {
  if (!view) {
    el.dataset.state = 'unsupported';
    body.replaceChildren(h('div', { class: 'widget-unsupported' }, h('strong', null, `Widget type “${def.type}” is not supported`), h('div', { class: 'hint' }, 'It is kept in the dashboard JSON as it was imported.')));
    return Promise.resolve();
  }
  el.dataset.state = el.dataset.state === 'ready' ? 'ready' : 'loading';
  el.classList.add('is-loading');
  return view.draw(ctx).then(
    (outcome) => {
      el.classList.remove('is-loading');
      el.dataset.state = outcome;
      if (outcome === 'empty') body.replaceChildren(h('div', { class: 'widget-empty' }, def.type === 'note' ? 'Empty note' : 'No data for this time range'));
    },
    (e) => {
      if (isAbort(e)) return;
      el.classList.remove('is-loading');
      el.dataset.state = 'error';
      const msg = (e as Error).message;
      body.replaceChildren(errorBox(e instanceof ApiError && e.status === 400 ? `query refused: ${msg}` : msg, retry));
    },
  );
}

export function mountDashboard(app: App, id: string): Page {
  let dash: Dashboard | null = null; // as stored
  let draft: Dashboard | null = null; // while editing
  let frames: Frame[] = [];
  let tplUrl: Record<string, string> = readTplParams(location.search);
  let compare: Compare = ((): Compare => {
    const c = new URLSearchParams(location.search).get('compare');
    return c === 'day' || c === 'week' ? c : 'none';
  })();
  const startEditing = new URLSearchParams(location.search).get('edit') === '1';
  let drawAbort: AbortController | null = null;
  let drawGen = 0;
  let timer: number | undefined;
  let editorEl: { el: HTMLElement; destroy(): void } | null = null;
  const tagCache = new Map<string, Promise<string[]>>();

  const head = h('div', { class: 'dash-head' });
  const toolbar = h('div', { class: 'dash-toolbar' });
  const status = h('div', { class: 'dash-status' });
  const grid = h('div', { class: 'dash-grid' });
  grid.style.setProperty('--row', `${ROW}px`);
  grid.style.setProperty('--gap', `${GAP}px`);
  const el = h('section', { class: 'dash-page' }, head, toolbar, status, grid);

  const shown = (): Dashboard => (draft ?? dash)!;
  const editing = () => draft !== null;

  function syncUrl(push = false): void {
    if (!dash) return;
    const u = new URL(encodeState(app.state()), location.origin);
    u.pathname = location.pathname;
    for (const v of currentValues(shown().template_variables ?? [], tplUrl)) u.searchParams.set(`tpl_${v.name}`, v.value);
    if (compare !== 'none') u.searchParams.set('compare', compare);
    const url = u.pathname + u.search;
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
  }

  function context(signal: AbortSignal): DrawContext {
    const r = resolveRange(app.state().range, Date.now());
    return { from: r.from, to: r.to, tpl: currentValues(shown().template_variables ?? [], tplUrl), compare, signal };
  }

  // ---- header and toolbar

  function renderHead(): void {
    const d = shown();
    const back = h('a', { class: 'crumb', href: '/dashboards' }, 'Dashboards');
    if (editing()) {
      const title = h('input', { class: 'input dash-title-input', value: d.title, 'aria-label': 'Dashboard title' });
      title.addEventListener('input', () => (draft!.title = title.value));
      const desc = h('input', { class: 'input dash-desc-input', value: d.description ?? '', placeholder: 'Description', 'aria-label': 'Dashboard description' });
      desc.addEventListener('input', () => (draft!.description = desc.value));
      const addMenu = h('div', { class: 'menu', hidden: true, role: 'menu' }, ...WIDGET_TYPES.map((t) => h('button', { class: 'menu-item', role: 'menuitem', 'data-type': t.type, onclick: () => {
        addMenu.hidden = true;
        addWidget(t.type);
      } }, t.label)));
      const addBtn = h('button', { class: 'btn primary', 'aria-haspopup': 'menu', onclick: () => (addMenu.hidden = !addMenu.hidden) }, '+ Add widget');
      head.replaceChildren(
        h('div', { class: 'dash-titles' }, back, title, desc),
        h(
          'div',
          { class: 'dash-actions' },
          h('div', { class: 'menu-anchor' }, addBtn, addMenu),
          h('button', { class: 'btn', onclick: editVariables }, 'Template variables'),
          h('button', { class: 'btn', onclick: cancelEdit }, 'Cancel'),
          h('button', { class: 'btn primary save-btn', onclick: () => void save() }, 'Save'),
        ),
      );
    } else {
      head.replaceChildren(
        h('div', { class: 'dash-titles' }, back, h('h2', { class: 'dash-title' }, d.title), d.description ? h('div', { class: 'dash-desc' }, d.description) : null),
        h(
          'div',
          { class: 'dash-actions' },
          h('button', { class: 'btn primary', onclick: beginEdit }, '✎ Edit'),
          h('button', { class: 'btn', onclick: () => void clone() }, 'Clone'),
          h('button', { class: 'btn', onclick: () => exportDialog(d) }, 'Export JSON'),
          h('button', { class: 'btn danger-text', onclick: () => void remove() }, 'Delete'),
        ),
      );
    }
  }

  function renderToolbar(): void {
    const d = shown();
    const r = resolveRange(app.state().range, Date.now());
    const parts: HTMLElement[] = [];
    for (const v of currentValues(d.template_variables ?? [], tplUrl)) {
      const tv = (d.template_variables ?? []).find((t) => t.name === v.name)!;
      const sel = h('select', { class: 'input tpl-select', 'aria-label': `Template variable ${v.name}` }, h('option', { value: '*' }, '*'));
      const addOption = (val: string) => {
        if (![...sel.options].some((o) => o.value === val)) sel.append(h('option', { value: val }, val));
      };
      if (v.value !== '*') addOption(v.value);
      sel.value = v.value;
      sel.addEventListener('change', () => {
        tplUrl = { ...tplUrl, [v.name]: sel.value };
        syncUrl(true);
        void drawAll();
      });
      const key = tv.prefix || v.name;
      let values = tagCache.get(key);
      if (!values) {
        values = Array.isArray(tv.available_values) && tv.available_values.length ? Promise.resolve(tv.available_values.map(String)) : tagValues(key, r.from).catch(() => []);
        tagCache.set(key, values);
      }
      void values.then((vals) => {
        for (const val of vals) addOption(val);
        sel.value = v.value;
      });
      parts.push(h('label', { class: 'tpl-var' }, h('span', { class: 'tpl-name' }, `$${v.name}`), sel));
    }
    const cmp = h(
      'select',
      { class: 'input', 'aria-label': 'Compare to' },
      h('option', { value: 'none' }, 'No comparison'),
      h('option', { value: 'day' }, 'Previous day'),
      h('option', { value: 'week' }, 'Previous week'),
    );
    cmp.value = compare;
    cmp.addEventListener('change', () => {
      compare = cmp.value as Compare;
      syncUrl(true);
      void drawAll();
    });
    toolbar.replaceChildren(
      h('div', { class: 'tpl-vars' }, ...parts, editing() && !parts.length ? h('span', { class: 'hint' }, 'No template variables: add $host, $service or $env to filter every widget.') : null),
      h('label', { class: 'compare' }, h('span', { class: 'tpl-name' }, 'Compare to'), cmp),
    );
  }

  // ---- grid and widgets

  function makeFrame(w: Widget, editable = editing()): Frame {
    const def = w.definition;
    const titleText = typeof def.title === 'string' && def.title ? def.title : WIDGET_TYPES.find((t) => t.type === def.type)?.label ?? def.type;
    const header = h('div', { class: 'widget-head' }, h('h3', { class: 'widget-title', title: titleText }, titleText));
    const body = h('div', { class: 'widget-body' });
    const el = h('div', { class: `widget widget-${def.type}`, 'data-widget-id': String(w.id), 'data-type': def.type, 'data-state': 'loading' }, header, body);
    if (editable) {
      el.classList.add('editable');
      header.append(
        h(
          'div',
          { class: 'widget-tools' },
          SUPPORTED.has(def.type) ? h('button', { class: 'wbtn', title: 'Edit widget', 'aria-label': `Edit ${titleText}`, onclick: () => openEditor(w, false) }, '✎') : null,
          h('button', { class: 'wbtn', title: 'Remove widget', 'aria-label': `Remove ${titleText}`, onclick: () => removeWidget(w) }, '✕'),
        ),
      );
      const handle = h('div', { class: 'resize-handle', title: 'Drag to resize', 'aria-label': `Resize ${titleText}` });
      el.append(handle);
      header.addEventListener('pointerdown', (e) => startDrag(e, w, el));
      // From the keyboard: arrows move the widget, Shift+arrows resize it.
      header.tabIndex = 0;
      header.setAttribute('aria-label', `${titleText}: arrows move, Shift+arrows resize`);
      header.addEventListener('keydown', (e) => {
        const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
        if (!d || !draft || (e.target as Element).closest('button')) return;
        e.preventDefault();
        const items = itemsOf(draft.widgets);
        const me = items.find((i) => i.id === w.id)!;
        commitItems(e.shiftKey ? resize(items, me.id, me.w + d[0], me.h + d[1]) : move(items, me.id, me.x + d[0], me.y + d[1]));
        header.focus();
      });
      handle.addEventListener('pointerdown', (e) => startResize(e, w, el));
    }
    placeEl(el, { x: w.layout!.x, y: w.layout!.y, w: w.layout!.width, h: w.layout!.height });
    if (def.type === 'group' && Array.isArray(def.widgets)) return groupFrame(w, el, body);
    const view = createWidget(def, body);
    const frame: Frame = {
      widget: w,
      el,
      body,
      view,
      draw: (ctx) => drawInto(def, body, el, view, ctx, () => void frame.draw(context(new AbortController().signal))),
      destroy: () => view?.destroy(),
    };
    return frame;
  }

  // Datadog's group widget: its widgets on a 12-column grid of their own, inside it.
  // They move with the group; editing them is left to the JSON.
  function groupFrame(w: Widget, el: HTMLElement, body: HTMLElement): Frame {
    const def = w.definition;
    let children: Frame[];
    try {
      children = withLayouts(normalizeDashboard({ title: 'group', layout_type: 'ordered', widgets: def.widgets }).widgets).map((c) => makeFrame(c, false));
    } catch (e) {
      const message = `This group's widgets cannot be drawn: ${(e as Error).message}`;
      return { widget: w, el, body, view: null, draw: async () => void ((el.dataset.state = 'error'), body.replaceChildren(errorBox(message))), destroy() {} };
    }
    const inner = h('div', { class: 'dash-grid group-grid' }, ...children.map((c) => c.el));
    inner.style.setProperty('--row', `${ROW}px`);
    inner.style.setProperty('--gap', `${GAP}px`);
    const bg = typeof def.background_color === 'string' ? def.background_color : '';
    if (bg && bg !== 'white' && bg !== 'transparent') el.dataset.background = bg;
    if (def.show_title === false) el.classList.add('untitled');
    body.replaceChildren(inner);
    return {
      widget: w,
      el,
      body,
      view: null,
      async draw(ctx) {
        el.dataset.state = 'loading';
        await Promise.all(children.map((c) => c.draw(ctx)));
        el.dataset.state = children.length ? 'ready' : 'empty';
      },
      destroy: () => children.forEach((c) => c.destroy()),
    };
  }

  function renderGrid(): void {
    for (const f of frames) f.destroy();
    const d = shown();
    d.widgets = withLayouts(d.widgets);
    frames = d.widgets.map((w) => makeFrame(w));
    grid.classList.toggle('editing', editing());
    grid.replaceChildren(...frames.map((f) => f.el));
    if (!frames.length) {
      grid.append(
        h(
          'div',
          { class: 'dash-empty' },
          h('div', null, 'This dashboard has no widgets yet.'),
          editing() ? h('div', { class: 'hint' }, 'Use “+ Add widget” to add a graph, a number, a list or a note.') : h('button', { class: 'btn primary', onclick: beginEdit }, '✎ Edit to add widgets'),
        ),
      );
    }
    void drawAll();
  }

  async function drawAll(): Promise<void> {
    drawAbort?.abort();
    const ac = new AbortController();
    drawAbort = ac;
    const gen = ++drawGen;
    grid.removeAttribute('data-painted');
    const ctx = context(ac.signal);
    // Every widget asks at once; each draws as soon as its answer is in.
    await Promise.all(frames.map((f) => f.draw(ctx)));
    if (gen !== drawGen) return;
    requestAnimationFrame(() => {
      if (gen !== drawGen) return;
      grid.dataset.painted = String(gen);
      const w = window as unknown as { __heelerDashboardPaint?: number };
      if (w.__heelerDashboardPaint === undefined) {
        w.__heelerDashboardPaint = performance.now();
        performance.mark('dashboard-painted');
      }
    });
  }

  function applyItems(items: GridItem[]): void {
    const byId = new Map(items.map((i) => [i.id, i]));
    for (const f of frames) {
      const i = byId.get(f.widget.id!);
      if (i) placeEl(f.el, i);
    }
  }

  function commitItems(items: GridItem[]): void {
    const byId = new Map(settle(items).map((i) => [i.id, i]));
    for (const w of draft!.widgets) {
      const i = byId.get(w.id!)!;
      w.layout = { x: i.x, y: i.y, width: i.w, height: i.h };
    }
    applyItems(itemsOf(draft!.widgets));
  }

  function startDrag(e: PointerEvent, w: Widget, el: HTMLElement): void {
    if (!draft || e.button !== 0 || (e.target as Element).closest('button')) return;
    e.preventDefault();
    const start = itemsOf(draft.widgets);
    const box = el.getBoundingClientRect();
    const dx = e.clientX - box.left;
    const dy = e.clientY - box.top;
    let items = start;
    el.classList.add('dragging');
    const target = e.currentTarget as HTMLElement;
    target.setPointerCapture(e.pointerId);
    const onMove = (ev: PointerEvent) => {
      const g = grid.getBoundingClientRect();
      const colW = (g.width + GAP) / COLUMNS;
      const x = Math.round((ev.clientX - dx - g.left) / colW);
      const y = Math.round((ev.clientY - dy - g.top) / (ROW + GAP));
      items = move(start, w.id!, x, Math.max(0, y));
      applyItems(items);
    };
    const onUp = () => {
      target.removeEventListener('pointermove', onMove);
      target.removeEventListener('pointerup', onUp);
      target.removeEventListener('pointercancel', onUp);
      el.classList.remove('dragging');
      commitItems(items);
    };
    target.addEventListener('pointermove', onMove);
    target.addEventListener('pointerup', onUp);
    target.addEventListener('pointercancel', onUp);
  }

  function startResize(e: PointerEvent, w: Widget, el: HTMLElement): void {
    if (!draft || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    const start = itemsOf(draft.widgets);
    const me = start.find((i) => i.id === w.id)!;
    let items = start;
    el.classList.add('resizing');
    const target = e.currentTarget as HTMLElement;
    target.setPointerCapture(e.pointerId);
    const onMove = (ev: PointerEvent) => {
      const g = grid.getBoundingClientRect();
      const cell = cellAt(ev.clientX - g.left, ev.clientY - g.top, g.width, ROW, GAP);
      items = resize(start, w.id!, Math.max(1, cell.x - me.x + 1), Math.max(1, cell.y - me.y + 1));
      applyItems(items);
    };
    const onUp = () => {
      target.removeEventListener('pointermove', onMove);
      target.removeEventListener('pointerup', onUp);
      target.removeEventListener('pointercancel', onUp);
      el.classList.remove('resizing');
      commitItems(items);
    };
    target.addEventListener('pointermove', onMove);
    target.addEventListener('pointerup', onUp);
    target.addEventListener('pointercancel', onUp);
  }

  // ---- editing

  function beginEdit(): void {
    if (!dash) return;
    draft = JSON.parse(JSON.stringify(dash)) as Dashboard;
    renderAll();
  }
  function cancelEdit(): void {
    closeEditor();
    draft = null;
    renderAll();
  }
  async function save(): Promise<void> {
    if (!draft || !dash?.id) return;
    closeEditor();
    if (!draft.title.trim()) draft.title = 'Untitled dashboard';
    try {
      const stored = normalizeDashboard(await updateDashboard(dash.id, draft));
      dash = stored;
      draft = null;
      status.replaceChildren();
      // The slug follows the title.
      const path = dashboardPath(stored);
      if (path !== location.pathname) history.replaceState(null, '', path + location.search);
      renderAll();
    } catch (e) {
      status.replaceChildren(errorBox(`Not saved: ${(e as Error).message}`));
    }
  }
  async function clone(): Promise<void> {
    if (!dash) return;
    try {
      const copy = await createDashboard({ ...dash, title: `${dash.title} (clone)` });
      app.go(dashboardPath(copy));
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message));
    }
  }
  async function remove(): Promise<void> {
    if (!dash?.id) return;
    if (!(await confirmDialog('Delete dashboard', `Delete “${dash.title}”? This cannot be undone.`, 'Delete'))) return;
    try {
      await deleteDashboard(dash.id);
      app.go('/dashboards');
    } catch (e) {
      status.replaceChildren(errorBox((e as Error).message));
    }
  }

  function addWidget(type: string): void {
    if (!draft) return;
    const size = defaultSize(type);
    const at = place(itemsOf(draft.widgets), size.width, size.height);
    const def: WidgetDefinition =
      type === 'note'
        ? { type, content: '', background_color: 'yellow', font_size: '14', text_align: 'left' }
        : type === 'timeseries'
          ? { type, title: '', show_legend: true, requests: [{ q: '', display_type: 'line', style: { palette: 'dog_classic' } }] }
          : type === 'query_value'
            ? { type, title: '', precision: 2, requests: [{ q: '', aggregator: 'avg', conditional_formats: [] }] }
            : type === 'query_table'
              ? { type, title: '', requests: [{ q: '', aggregator: 'avg', order: 'desc' }] }
              : { type, title: '', requests: [{ q: '' }] };
    openEditor({ id: newWidgetId(), definition: def, layout: { x: at.x, y: at.y, width: size.width, height: size.height } }, true);
  }

  function removeWidget(w: Widget): void {
    if (!draft) return;
    draft.widgets = draft.widgets.filter((x) => x.id !== w.id);
    commitItemsAndRender();
  }
  function commitItemsAndRender(): void {
    const items = settle(itemsOf(draft!.widgets));
    const byId = new Map(items.map((i) => [i.id, i]));
    for (const w of draft!.widgets) {
      const i = byId.get(w.id!)!;
      w.layout = { x: i.x, y: i.y, width: i.w, height: i.h };
    }
    renderGrid();
  }

  function closeEditor(): void {
    editorEl?.destroy();
    editorEl?.el.remove();
    editorEl = null;
    el.classList.remove('with-editor');
  }

  let previewView: WidgetView | null = null;
  let previewAbort: AbortController | null = null;
  function openEditor(w: Widget, isNew: boolean): void {
    closeEditor();
    editorEl = widgetEditor({
      widget: w,
      isNew,
      preview(def, box) {
        previewAbort?.abort();
        previewView?.destroy();
        previewAbort = new AbortController();
        const frameEl = h('div', { class: `widget widget-${def.type} preview` }, h('div', { class: 'widget-head' }, h('h3', { class: 'widget-title' }, String(def.title || WIDGET_TYPES.find((t) => t.type === def.type)?.label || def.type))));
        const body = h('div', { class: 'widget-body' });
        frameEl.append(body);
        box.replaceChildren(frameEl);
        previewView = createWidget(def, body);
        const ac = previewAbort;
        const hasQuery = def.type === 'note' || (def.requests ?? []).some((r) => (r.q ?? '').trim() || r.queries);
        if (!hasQuery) {
          body.replaceChildren(h('div', { class: 'widget-empty' }, 'Type a query to see the widget.'));
          return;
        }
        void drawInto(def, body, frameEl, previewView, context(ac.signal), () => this.preview(def, box));
      },
      apply(nw) {
        if (!draft) return;
        const i = draft.widgets.findIndex((x) => x.id === nw.id);
        if (i >= 0) draft.widgets[i] = nw;
        else draft.widgets.push(nw);
        closeEditor();
        commitItemsAndRender();
      },
      cancel: closeEditor,
    });
    el.classList.add('with-editor');
    el.append(editorEl.el);
  }

  function editVariables(): void {
    if (!draft) return;
    const vars: TemplateVariable[] = (draft.template_variables ?? []).map((v) => ({ ...v }));
    const list = h('div', { class: 'tv-list' });
    const render = () => {
      list.replaceChildren(
        ...vars.map((v, i) => {
          const input = (label: string, val: string, set: (s: string) => void, ph: string) => {
            const inp = h('input', { class: 'input', 'aria-label': label, value: val, placeholder: ph, spellcheck: false, autocomplete: 'off' });
            inp.addEventListener('input', () => set(inp.value.trim()));
            return h('label', { class: 'field grow' }, label, inp);
          };
          return h(
            'div',
            { class: 'tv-row' },
            input('Name', v.name, (s) => (v.name = s.replace(/^\$/, '')), 'host'),
            input('Tag key', v.prefix ?? '', (s) => (v.prefix = s || null), 'host'),
            input('Default', v.default ?? '*', (s) => (v.default = s || '*'), '*'),
            h('button', { class: 'btn icon', 'aria-label': 'Remove variable', title: 'Remove variable', onclick: () => {
              vars.splice(i, 1);
              render();
            } }, '✕'),
          );
        }),
      );
    };
    render();
    const close = () => dlg.remove();
    const dlg = modal(
      'Template variables',
      [
        h('p', { class: 'hint' }, 'Each variable adds a dropdown of a tag’s values. Use $name in a query’s scope: avg:ui.cpu{$host} becomes avg:ui.cpu{host:web-1}.'),
        list,
        h('button', { class: 'btn', onclick: () => {
          const used = new Set(vars.map((v) => v.name));
          const name = ['host', 'service', 'env'].find((n) => !used.has(n)) ?? '';
          vars.push({ name, prefix: name || null, default: '*' });
          render();
        } }, '+ Add variable'),
      ],
      [
        h('button', { class: 'btn', onclick: close }, 'Cancel'),
        h('button', { class: 'btn primary', onclick: () => {
          draft!.template_variables = vars.filter((v) => v.name);
          close();
          renderToolbar();
          void drawAll();
        } }, 'Apply'),
      ],
      close,
    );
  }

  function renderAll(): void {
    renderHead();
    renderToolbar();
    renderGrid();
    syncUrl();
  }

  async function load(): Promise<void> {
    status.replaceChildren(h('div', { class: 'hint' }, 'Loading dashboard…'));
    try {
      dash = normalizeDashboard(await getDashboard(id));
      status.replaceChildren();
      if (startEditing) draft = JSON.parse(JSON.stringify(dash)) as Dashboard;
      renderAll();
    } catch (e) {
      if (isAbort(e)) return;
      status.replaceChildren(errorBox((e as Error).message, () => void load()));
    }
  }

  function schedule(s: ViewState): void {
    window.clearInterval(timer);
    if (s.live && s.range.kind === 'relative') timer = window.setInterval(() => void drawAll(), 60_000);
  }
  const onTheme = () => void drawAll();
  window.addEventListener('heeler-theme', onTheme);
  void load();

  return {
    el,
    update(s, prev) {
      schedule(s);
      if (!dash) return;
      // Back/forward brings the URL's variables; a time change keeps ours.
      const fromUrl = readTplParams(location.search);
      const params = new URLSearchParams(location.search);
      if (Object.keys(fromUrl).length || params.has('compare')) {
        tplUrl = fromUrl;
        const c = params.get('compare');
        compare = c === 'day' || c === 'week' ? c : 'none';
      }
      syncUrl();
      if (s !== prev) {
        renderToolbar();
        void drawAll();
      }
    },
    destroy() {
      drawAbort?.abort();
      previewAbort?.abort();
      window.clearInterval(timer);
      window.removeEventListener('heeler-theme', onTheme);
      for (const f of frames) f.destroy();
      closeEditor();
    },
  };
}
