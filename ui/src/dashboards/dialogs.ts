// Modal dialogs of the dashboards pages: confirm, show JSON (export) and take JSON
// (import).
import { h } from '../dom';
import { ImportError, normalizeDashboard, type Dashboard } from './model';

export function modal(title: string, body: Node[], actions: HTMLElement[], onClose: () => void): HTMLElement {
  const close = h('button', { class: 'btn icon', title: 'Close', 'aria-label': 'Close', onclick: onClose }, '✕');
  const box = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title }, h('div', { class: 'modal-head' }, h('h2', null, title), close), h('div', { class: 'modal-body' }, ...body), h('div', { class: 'modal-actions' }, ...actions));
  const backdrop = h('div', { class: 'modal-backdrop' }, box);
  backdrop.addEventListener('mousedown', (e) => {
    if (e.target === backdrop) onClose();
  });
  backdrop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') onClose();
  });
  document.body.append(backdrop);
  return backdrop;
}

export function confirmDialog(title: string, message: string, okLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      el.remove();
      resolve(v);
    };
    const ok = h('button', { class: 'btn danger', onclick: () => done(true) }, okLabel);
    const el = modal(title, [h('p', null, message)], [h('button', { class: 'btn', onclick: () => done(false) }, 'Cancel'), ok], () => done(false));
    ok.focus();
  });
}

export function exportDialog(d: Dashboard): void {
  const text = JSON.stringify(d, null, 2);
  const ta = h('textarea', { class: 'input mono json-text', readonly: true, rows: 18, 'aria-label': 'Dashboard JSON', spellcheck: false });
  ta.value = text;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const slug = d.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'dashboard';
  const download = h('a', { class: 'btn primary', href: url, download: `${slug}.json` }, 'Download');
  const copy = h('button', { class: 'btn', onclick: () => {
    ta.select();
    void navigator.clipboard?.writeText(text).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = 'Select and copy'),
    );
  } }, 'Copy');
  const close = () => {
    el.remove();
    URL.revokeObjectURL(url);
  };
  const el = modal('Export dashboard JSON', [h('p', { class: 'hint' }, "Datadog's dashboard JSON: import it here or in Datadog."), ta], [copy, download, h('button', { class: 'btn', onclick: close }, 'Close')], close);
}

// Asks for JSON (pasted or from a file) and resolves with the checked dashboard, or
// null when the dialog is closed. `submit` stores it; its failure shows in the dialog.
export function importDialog(submit: (d: Dashboard) => Promise<void>): void {
  const ta = h('textarea', { class: 'input mono json-text', rows: 16, 'aria-label': 'Dashboard JSON to import', placeholder: '{ "title": "…", "layout_type": "ordered", "widgets": [ … ] }', spellcheck: false });
  const file = h('input', { type: 'file', accept: 'application/json,.json', 'aria-label': 'JSON file' });
  const error = h('div', { class: 'field-error', role: 'alert' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) ta.value = await f.text();
  });
  const go = h('button', { class: 'btn primary', onclick: async () => {
    error.textContent = '';
    let d: Dashboard;
    try {
      d = normalizeDashboard(JSON.parse(ta.value));
    } catch (e) {
      error.textContent = e instanceof ImportError ? e.message : `Not valid JSON: ${(e as Error).message}`;
      return;
    }
    go.setAttribute('disabled', '');
    try {
      await submit(d);
      el.remove();
    } catch (e) {
      error.textContent = (e as Error).message;
    } finally {
      go.removeAttribute('disabled');
    }
  } }, 'Import');
  const close = () => el.remove();
  const el = modal(
    'Import dashboard JSON',
    [h('p', { class: 'hint' }, 'Paste a dashboard exported from Heeler or Datadog, or pick its file.'), h('div', { class: 'import-file' }, file), ta, error],
    [h('button', { class: 'btn', onclick: close }, 'Cancel'), go],
    close,
  );
  ta.focus();
}
