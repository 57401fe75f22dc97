// Small pieces the monitor pages share: status badges, tag chips and a confirmation.
import { h } from '../dom';
import { statusClass } from './model';

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `mon-badge s-${statusClass(status)}`, 'data-status': status }, status);
}

export function tagChips(tags: string[]): HTMLElement {
  return h('span', { class: 'mon-tags' }, ...tags.map((t) => h('span', { class: 'mon-tag' }, t)));
}

// A modal question; resolves true when confirmed.
export function confirmDialog(title: string, text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      document.removeEventListener('keydown', onKey);
      overlay.remove();
      resolve(v);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') done(false);
    };
    const ok = h('button', { class: 'btn danger', onclick: () => done(true) }, confirmLabel);
    const overlay = h(
      'div',
      { class: 'mon-modal-overlay', onclick: (e: Event) => e.target === overlay && done(false) },
      h(
        'div',
        { class: 'mon-modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
        h('h2', null, title),
        h('p', null, text),
        h('div', { class: 'mon-modal-actions' }, h('button', { class: 'btn', onclick: () => done(false) }, 'Cancel'), ok),
      ),
    );
    document.addEventListener('keydown', onKey);
    document.body.append(overlay);
    ok.focus();
  });
}
