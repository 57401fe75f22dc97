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

// The Monitors area's sections, at the top of its list, downtime and channel pages.
export function areaTabs(active: 'monitors' | 'downtimes' | 'settings'): HTMLElement {
  const tab = (key: typeof active, href: string, label: string) =>
    h('a', { class: `mon-tab${key === active ? ' active' : ''}`, href, 'aria-current': key === active ? 'page' : null }, label);
  return h(
    'nav',
    { class: 'mon-tabs', 'aria-label': 'Monitors sections' },
    tab('monitors', '/monitors', 'Manage Monitors'),
    tab('downtimes', '/monitors/downtimes', 'Downtimes'),
    tab('settings', '/monitors/settings', 'Notification channels'),
  );
}

// A "Muted" badge; its title says which groups and downtimes.
export function mutedBadge(whole: boolean, scopes: string[], ids: number[]): HTMLElement {
  return h(
    'span',
    { class: `mon-muted${whole ? '' : ' partial'}`, title: `Notifications silenced for ${scopes.join('; ')} by downtime ${ids.map((i) => `#${i}`).join(', ')}` },
    whole ? 'Muted' : `Muted: ${scopes.join('; ')}`,
  );
}

// Asks how to mute a monitor: which groups and for how long. Resolves with the body of
// POST /api/v1/monitor/{id}/mute, or null when dismissed.
export function muteDialog(name: string, groups: string[]): Promise<{ scope?: string; end?: number } | null> {
  return new Promise((resolve) => {
    const scope = h(
      'select',
      { class: 'input', 'aria-label': 'Mute groups' },
      h('option', { value: '' }, 'Every group'),
      ...groups.filter((g) => g && g !== '*').map((g) => h('option', { value: g }, g)),
    );
    const span = h(
      'select',
      { class: 'input', 'aria-label': 'Mute for' },
      h('option', { value: '' }, 'Until unmuted'),
      h('option', { value: '3600' }, '1 hour'),
      h('option', { value: '14400' }, '4 hours'),
      h('option', { value: '86400' }, '1 day'),
      h('option', { value: '604800' }, '1 week'),
    );
    const done = (v: { scope?: string; end?: number } | null) => {
      document.removeEventListener('keydown', onKey);
      overlay.remove();
      resolve(v);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') done(null);
    };
    const ok = h(
      'button',
      {
        class: 'btn primary',
        onclick: () => {
          const body: { scope?: string; end?: number } = {};
          if (scope.value) body.scope = scope.value;
          if (span.value) body.end = Math.floor(Date.now() / 1000) + Number(span.value);
          done(body);
        },
      },
      'Mute',
    );
    const overlay = h(
      'div',
      { class: 'mon-modal-overlay', onclick: (e: Event) => e.target === overlay && done(null) },
      h(
        'div',
        { class: 'mon-modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Mute monitor' },
        h('h2', null, 'Mute monitor'),
        h('p', null, `“${name}” keeps being evaluated; its notifications are silenced.`),
        h('div', { class: 'mon-modal-fields' }, h('label', { class: 'field' }, 'Groups', scope), h('label', { class: 'field' }, 'For', span)),
        h('div', { class: 'mon-modal-actions' }, h('button', { class: 'btn', onclick: () => done(null) }, 'Cancel'), ok),
      ),
    );
    document.addEventListener('keydown', onKey);
    document.body.append(overlay);
    ok.focus();
  });
}
