// The global time picker: past 15m … 30d, a custom range, and live or paused.
import { h } from './dom';
import { RELATIVE_RANGES, rangeLabel, resolveRange, TimeRange, ViewState } from './state';

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function timePicker(get: () => ViewState, set: (patch: Partial<ViewState>) => void) {
  const button = h('button', { class: 'btn time-button', 'aria-haspopup': 'true' });
  const menu = h('div', { class: 'time-menu', hidden: true });
  const from = h('input', { type: 'datetime-local', 'aria-label': 'From' });
  const to = h('input', { type: 'datetime-local', 'aria-label': 'To' });
  const customError = h('div', { class: 'field-error' });
  for (const span of RELATIVE_RANGES) {
    menu.append(
      h(
        'button',
        {
          class: 'time-option',
          'data-span': span,
          onclick: () => {
            menu.hidden = true;
            set({ range: { kind: 'relative', span }, live: true });
          },
        },
        rangeLabel({ kind: 'relative', span }),
      ),
    );
  }
  menu.append(
    h(
      'form',
      {
        class: 'time-custom',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const f = new Date(from.value).getTime();
          const t = new Date(to.value).getTime();
          if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) {
            customError.textContent = 'The start must come before the end.';
            return;
          }
          customError.textContent = '';
          menu.hidden = true;
          set({ range: { kind: 'absolute', from: f, to: t }, live: false });
        },
      },
      h('div', { class: 'time-custom-title' }, 'Custom range'),
      h('label', null, 'From ', from),
      h('label', null, 'To ', to),
      customError,
      h('button', { class: 'btn primary', type: 'submit' }, 'Apply'),
    ),
  );
  button.addEventListener('click', () => {
    const r = resolveRange(get().range, Date.now());
    from.value = toLocalInput(r.from);
    to.value = toLocalInput(r.to);
    menu.hidden = !menu.hidden;
  });
  document.addEventListener('click', (e) => {
    if (!menu.hidden && !wrap.contains(e.target as Node)) menu.hidden = true;
  });
  const liveBtn = h('button', { class: 'btn live-toggle', title: 'Live: the range follows now and the view refreshes' });
  liveBtn.addEventListener('click', () => {
    const s = get();
    if (s.live) set({ live: false });
    else {
      // Going live from a custom range moves to a relative one of the same length.
      const range: TimeRange = s.range.kind === 'relative' ? s.range : { kind: 'relative', span: '1h' };
      set({ live: true, range });
    }
  });
  const wrap = h('div', { class: 'time-picker' }, h('div', { class: 'time-anchor' }, button, menu), liveBtn);
  return {
    el: wrap,
    update() {
      const s = get();
      button.textContent = `${rangeLabel(s.range)} ▾`;
      liveBtn.textContent = s.live ? '● Live' : '❚❚ Paused';
      liveBtn.classList.toggle('is-live', s.live);
      liveBtn.setAttribute('aria-pressed', String(s.live));
    },
  };
}
