// Notification channels: the webhooks, Slack and Teams incoming webhooks a monitor's
// message can mention, each listed with its mention, created, edited and deleted here.
import { ApiError, isAbort } from '../api';
import { errorBox, h } from '../dom';
import type { App, Page } from '../main';
import { Channel, ChannelKind, deleteChannel, listChannels, saveChannel } from './api';
import { checkJson, DEFAULT_PAYLOAD, insertText, mention, WEBHOOK_VARIABLES } from './notify';
import { areaTabs, confirmDialog } from './widgets';

const KINDS: { kind: ChannelKind; title: string; noun: string; hint: string; urlHint: string }[] = [
  {
    kind: 'webhook',
    title: 'Webhooks',
    noun: 'webhook',
    hint: 'An HTTP POST to any URL, with a JSON (or form) body built from a payload template.',
    urlHint: 'https://example.com/hooks/alerts',
  },
  { kind: 'slack', title: 'Slack', noun: 'Slack channel', hint: 'A Slack incoming webhook: the message arrives as a Block Kit card with a link to the monitor.', urlHint: 'https://hooks.slack.com/services/…' },
  { kind: 'teams', title: 'Microsoft Teams', noun: 'Teams channel', hint: 'A Teams incoming webhook: the message arrives as an Adaptive Card with the state, group and value.', urlHint: 'https://example.webhook.office.com/…' },
];

function copyButton(text: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'btn small', title: `Copy ${text}` }, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    window.setTimeout(() => (b.textContent = 'Copy'), 1500);
  });
  return b;
}

export function mountChannelSettings(_app: App): Page {
  const abort = new AbortController();
  const sections = new Map<ChannelKind, { list: HTMLElement; editor: HTMLElement; notice: HTMLElement; channels: Channel[] }>();

  const el = h(
    'section',
    { class: 'mon-page mon-settings-page' },
    areaTabs('settings'),
    h(
      'div',
      { class: 'mon-list-head' },
      h(
        'div',
        null,
        h('h2', { class: 'mon-h2' }, 'Notification channels'),
        h(
          'div',
          { class: 'hint' },
          'A monitor notifies the channels its message mentions: ',
          h('code', null, '@webhook-name'),
          ', ',
          h('code', null, '@slack-name'),
          ', ',
          h('code', null, '@teams-name'),
          ', or an e-mail address such as ',
          h('code', null, '@oncall@example.com'),
          '. A mention inside {{#is_alert}}…{{/is_alert}} is notified only on alert.',
        ),
      ),
    ),
  );

  for (const k of KINDS) {
    const list = h('div', { class: 'mon-channel-list' });
    const editor = h('div', { class: 'mon-channel-editor-box' });
    const notice = h('div', { class: 'mon-notice' });
    const addBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => openEditor(k.kind, null) }, `+ New ${k.noun}`);
    sections.set(k.kind, { list, editor, notice, channels: [] });
    el.append(
      h(
        'section',
        { class: 'card mon-channel-card', 'data-kind': k.kind },
        h('div', { class: 'mon-card-head' }, h('div', null, h('h3', { class: 'mon-card-title' }, k.title), h('div', { class: 'hint' }, k.hint)), addBtn),
        notice,
        editor,
        list,
      ),
    );
  }

  function renderList(kind: ChannelKind): void {
    const s = sections.get(kind)!;
    const noun = KINDS.find((k) => k.kind === kind)!.noun;
    if (s.channels.length === 0) {
      s.list.replaceChildren(h('div', { class: 'empty' }, `No ${noun} yet.`));
      return;
    }
    s.list.replaceChildren(
      h(
        'table',
        { class: 'mon-table mon-channel-table' },
        h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Mention in a message'), h('th', null, 'URL'), kind === 'webhook' ? h('th', null, 'Body') : null, h('th', null, ''))),
        h(
          'tbody',
          null,
          ...s.channels
            .slice()
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((c) =>
              h(
                'tr',
                { 'data-name': c.name },
                h('td', { class: 'mon-name' }, c.name),
                h('td', { class: 'c-mention' }, h('code', { class: 'mon-mention' }, mention(kind, c.name)), ' ', copyButton(mention(kind, c.name))),
                h('td', { class: 'mono c-url', title: c.url }, c.url),
                kind === 'webhook' ? h('td', { class: 'c-type' }, `${c.payload ? 'Custom payload' : 'Default payload'}, ${c.encode_as === 'form' ? 'form' : 'JSON'}${c.custom_headers ? ', headers' : ''}`) : null,
                h(
                  'td',
                  { class: 'c-actions' },
                  h('button', { type: 'button', class: 'btn small', onclick: () => openEditor(kind, c) }, 'Edit'),
                  h('button', { type: 'button', class: 'btn small danger-text', onclick: () => void remove(kind, c) }, 'Delete'),
                ),
              ),
            ),
        ),
      ),
    );
  }

  async function load(kind: ChannelKind): Promise<void> {
    const s = sections.get(kind)!;
    try {
      s.channels = await listChannels(kind, abort.signal);
      renderList(kind);
    } catch (e) {
      if (isAbort(e)) return;
      s.list.replaceChildren(errorBox((e as Error).message, () => void load(kind)));
    }
  }

  async function remove(kind: ChannelKind, c: Channel): Promise<void> {
    const s = sections.get(kind)!;
    if (!(await confirmDialog('Delete channel', `Delete ${mention(kind, c.name)}? Monitors that mention it will no longer notify it.`, 'Delete'))) return;
    s.notice.replaceChildren();
    try {
      await deleteChannel(kind, c.name);
      await load(kind);
    } catch (e) {
      s.notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, `Could not delete ${c.name}: `), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  function openEditor(kind: ChannelKind, existing: Channel | null): void {
    for (const [k, s] of sections) if (k !== kind) s.editor.replaceChildren();
    const s = sections.get(kind)!;
    const meta = KINDS.find((k) => k.kind === kind)!;
    const name = h('input', { class: 'input', 'aria-label': 'Channel name', placeholder: 'ops', spellcheck: false, autocomplete: 'off', value: existing?.name ?? '', disabled: existing !== null });
    const url = h('input', { class: 'input mono', 'aria-label': 'URL', placeholder: meta.urlHint, spellcheck: false, autocomplete: 'off', value: existing?.url ?? '' });
    const mentionPreview = h('code', { class: 'mon-mention' });
    const syncMention = () => (mentionPreview.textContent = mention(kind, name.value.trim() || 'name'));
    name.addEventListener('input', syncMention);
    syncMention();
    const error = h('div', { class: 'mon-notice' });
    const fields: HTMLElement[] = [
      h('div', { class: 'mon-row2' }, h('label', { class: 'field' }, 'Name', name), h('label', { class: 'field grow' }, 'URL', url)),
      h('div', { class: 'hint' }, 'Mention it in a monitor’s message as ', mentionPreview, existing ? '. A channel keeps its name; delete it and create another to rename it.' : '. Letters, digits, - and _.'),
    ];
    let payload: HTMLTextAreaElement | null = null;
    let headers: HTMLTextAreaElement | null = null;
    let encoding: HTMLSelectElement | null = null;
    if (kind === 'webhook') {
      const pl = h('textarea', { class: 'input mono mon-payload', rows: 8, 'aria-label': 'Payload', spellcheck: false, placeholder: 'Empty: the default body. Otherwise JSON, with $VARIABLES inside its strings.' });
      pl.value = existing?.payload ?? '';
      const hd = h('textarea', { class: 'input mono', rows: 2, 'aria-label': 'Custom headers', spellcheck: false, placeholder: '{"Authorization": "Bearer …"}' });
      hd.value = existing?.custom_headers ?? '';
      const enc = h('select', { class: 'input', 'aria-label': 'Encoding' }, h('option', { value: 'json' }, 'JSON'), h('option', { value: 'form' }, 'Form (top-level fields)'));
      enc.value = existing?.encode_as ?? 'json';
      payload = pl;
      headers = hd;
      encoding = enc;
      const plCheck = h('div', { class: 'mon-json-check', 'aria-live': 'polite' });
      const hdCheck = h('div', { class: 'mon-json-check', 'aria-live': 'polite' });
      const check = () => {
        const a = checkJson(pl.value, false);
        plCheck.replaceChildren(a ? h('span', { class: 'field-error' }, a) : pl.value.trim() ? h('span', { class: 'mon-valid' }, '✓ Valid JSON') : '');
        const b = checkJson(hd.value, true);
        hdCheck.replaceChildren(b ? h('span', { class: 'field-error' }, b) : '');
      };
      pl.addEventListener('input', check);
      hd.addEventListener('input', check);
      check();
      const insertVar = (v: string) => {
        const e = insertText(pl.value, pl.selectionStart, pl.selectionEnd, v);
        pl.value = e.text;
        pl.focus();
        pl.setSelectionRange(e.selStart, e.selEnd);
        check();
      };
      const vars = h(
        'div',
        { class: 'mon-var-list', role: 'group', 'aria-label': 'Payload variables' },
        ...WEBHOOK_VARIABLES.map(([v, what]) => h('button', { type: 'button', class: 'mon-chip mono', title: what, onclick: () => insertVar(v) }, v)),
      );
      fields.push(
        h(
          'div',
          { class: 'mon-payload-grid' },
          h(
            'div',
            { class: 'mon-payload-main' },
            h(
              'div',
              { class: 'mon-field-head' },
              h('span', { class: 'field-label' }, 'Payload'),
              h('button', { type: 'button', class: 'btn small', onclick: () => ((pl.value = DEFAULT_PAYLOAD), check()) }, 'Use an example'),
            ),
            pl,
            plCheck,
          ),
          h('div', { class: 'mon-payload-vars' }, h('div', { class: 'field-label' }, 'Variables (click to insert at the cursor)'), vars),
        ),
        h('div', { class: 'mon-row2' }, h('label', { class: 'field grow' }, 'Custom headers (JSON object)', hd, hdCheck), h('label', { class: 'field' }, 'Encoding', enc)),
      );
    }
    const saveBtn = h('button', { type: 'submit', class: 'btn primary' }, existing ? 'Save' : `Create ${meta.noun}`);
    const form = h(
      'form',
      {
        class: 'mon-channel-editor',
        'aria-label': existing ? `Edit ${existing.name}` : `New ${meta.noun}`,
        novalidate: true,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const c: Channel = { name: name.value.trim(), url: url.value.trim() };
          if (payload && headers && encoding) {
            c.payload = payload.value.trim() ? payload.value : null;
            c.custom_headers = headers.value.trim() ? headers.value.trim() : null;
            c.encode_as = encoding.value as 'json' | 'form';
            const bad = checkJson(payload.value, false) ?? checkJson(headers.value, true);
            if (bad) {
              error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, bad));
              return;
            }
          }
          if (!c.name || !c.url) {
            error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, 'Give the channel a name and a URL.'));
            return;
          }
          saveBtn.disabled = true;
          error.replaceChildren();
          try {
            await saveChannel(kind, c, existing !== null);
            s.editor.replaceChildren();
            await load(kind);
          } catch (err) {
            error.replaceChildren(
              h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Could not save: '), h('span', { class: 'error-text' }, err instanceof ApiError ? err.message : String(err))),
            );
          } finally {
            saveBtn.disabled = false;
          }
        },
      },
      h('h4', { class: 'mon-editor-title' }, existing ? `Edit ${mention(kind, existing.name)}` : `New ${meta.noun}`),
      ...fields,
      error,
      h('div', { class: 'mon-editor-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => s.editor.replaceChildren() }, 'Cancel'), saveBtn),
    );
    // A refusal stays until the form is changed.
    form.addEventListener('input', () => error.replaceChildren());
    s.editor.replaceChildren(form);
    (existing ? url : name).focus();
  }

  for (const k of KINDS) void load(k.kind);

  return {
    el,
    update() {},
    destroy() {
      abort.abort();
    },
  };
}
