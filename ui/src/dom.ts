// A few helpers to build DOM without a framework.

type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown> & { class?: string; style?: string };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
      else if (k === 'class') el.className = String(v);
      else if (k === 'value' || k === 'checked' || k === 'disabled') (el as unknown as Record<string, unknown>)[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
}

// A readable failure with a Retry button, in place of what could not load.
export function errorBox(message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('strong', null, 'Could not load: '),
    h('span', { class: 'error-text' }, message),
    retry ? h('button', { class: 'btn', onclick: retry }, 'Retry') : null,
  );
}

// The query as typed with a caret under the position an error names.
export function inlineError(query: string, position: number | null, message: string): HTMLElement {
  const box = h('div', { class: 'syntax-error', role: 'alert' });
  if (position !== null && position <= query.length) {
    box.append(
      h(
        'pre',
        { class: 'syntax-where' },
        query.slice(0, position),
        h('mark', null, query.slice(position, position + 1) || ' '),
        query.slice(position + 1),
        '\n',
        ' '.repeat(position) + '^',
      ),
    );
  }
  box.append(h('div', { class: 'syntax-message' }, position !== null ? `At ${position}: ${message}` : message));
  return box;
}

export function fmtTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
