// Downtimes: every downtime with its state, scope, the monitors it silences and its
// schedule in words; a form to schedule one (once or repeating) and cancel per row.
// `?monitor=<id>` opens the form for that monitor.
import { ApiError, isAbort } from '../api';
import { errorBox, h } from '../dom';
import type { App, Page } from '../main';
import { cancelDowntime, createDowntime, Downtime, DowntimeInput, listDowntimes, listMonitors, Monitor } from './api';
import { describeSchedule, describeScope, describeTarget, downtimeMonitors, downtimeState, DowntimeState, emptySchedule, ScheduleForm, scheduleToJson, WEEK_DAYS } from './downtime';
import { areaTabs, confirmDialog } from './widgets';

const STATE_ORDER: DowntimeState[] = ['active', 'scheduled', 'ended', 'cancelled'];
const STATE_LABEL: Record<DowntimeState, string> = { active: 'Active', scheduled: 'Scheduled', ended: 'Ended', cancelled: 'Cancelled' };

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function radio(name: string, value: string, label: string, checked = false): { el: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'radio', name, value, checked });
  return { el: h('label', { class: 'mon-radio' }, input, label), input };
}

export function mountDowntimes(app: App): Page {
  let abort: AbortController | null = null;
  let timer: number | undefined;
  let downtimes: Downtime[] = [];
  let monitors: Monitor[] = [];

  const notice = h('div', { class: 'mon-notice' });
  const body = h('div', { class: 'mon-list-body' });
  const hideOld = h('input', { type: 'checkbox', 'aria-label': 'Hide ended and cancelled downtimes' });
  const formBox = h('div', { class: 'mon-downtime-form-box' });
  const newBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => openForm(null) }, '+ Schedule downtime');
  const el = h(
    'section',
    { class: 'mon-page mon-downtimes-page' },
    areaTabs('downtimes'),
    h(
      'div',
      { class: 'mon-list-head' },
      h(
        'div',
        null,
        h('h2', { class: 'mon-h2' }, 'Downtimes'),
        h('div', { class: 'hint' }, 'While a downtime is active, the monitors it names keep being evaluated (states, history and events go on) but their notifications are silenced.'),
      ),
      newBtn,
    ),
    formBox,
    notice,
    h('div', { class: 'card mon-table-card' }, h('div', { class: 'mon-table-tools' }, h('label', { class: 'mon-check' }, hideOld, 'Hide ended and cancelled')), body),
  );
  hideOld.addEventListener('change', render);

  function monitorLink(m: Monitor): HTMLElement {
    return h('a', { class: 'mon-name', href: `/monitors/${m.id}` }, m.name);
  }

  function render(): void {
    const now = Date.now() / 1000;
    const rows = downtimes
      .map((d) => ({ d, state: downtimeState(d, now) }))
      .filter((r) => !hideOld.checked || r.state === 'active' || r.state === 'scheduled')
      .sort((a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || b.d.id - a.d.id);
    if (downtimes.length === 0) {
      body.replaceChildren(
        h(
          'div',
          { class: 'mon-empty' },
          h('div', { class: 'mon-empty-title' }, 'No downtimes'),
          h('div', { class: 'hint' }, 'Schedule a downtime to silence notifications during a deploy or maintenance window, once or every week.'),
        ),
      );
      return;
    }
    if (rows.length === 0) {
      body.replaceChildren(h('div', { class: 'empty' }, 'No active or scheduled downtime.'));
      return;
    }
    body.replaceChildren(
      h(
        'table',
        { class: 'mon-table mon-downtime-table' },
        h('thead', null, h('tr', null, h('th', null, 'State'), h('th', null, 'Monitors'), h('th', null, 'Groups'), h('th', null, 'Schedule'), h('th', null, 'Message'), h('th', null, ''))),
        h(
          'tbody',
          null,
          ...rows.map(({ d, state }) => {
            const applies = downtimeMonitors(d, monitors);
            const named = d.monitor_id !== null ? monitors.find((m) => m.id === d.monitor_id) : undefined;
            const target =
              d.monitor_id !== null
                ? h('div', null, named ? monitorLink(named) : h('span', { class: 'field-error' }, `Monitor #${d.monitor_id} (does not exist)`), named ? h('span', { class: 'hint' }, ` #${d.monitor_id}`) : null)
                : h(
                    'div',
                    null,
                    h('div', null, describeTarget(d)),
                    h('div', { class: 'hint mon-applies' }, applies.length ? `${applies.length} now: ${applies.slice(0, 4).map((m) => m.name).join(', ')}${applies.length > 4 ? '…' : ''}` : 'No monitor matches now'),
                  );
            return h(
              'tr',
              { class: `mon-downtime-row dt-${state}`, 'data-id': String(d.id), 'data-state': state },
              h('td', { class: 'c-status' }, h('span', { class: `mon-dt-badge dt-${state}` }, STATE_LABEL[state]), d.heeler_mute ? h('div', { class: 'hint' }, 'mute') : null),
              h('td', { class: 'c-target' }, target),
              h('td', { class: 'mono c-scope' }, describeScope(d.scope)),
              h('td', { class: 'c-schedule' }, describeSchedule(d)),
              h('td', { class: 'c-message' }, d.message || h('span', { class: 'hint' }, '—')),
              h(
                'td',
                { class: 'c-actions' },
                state === 'active' || state === 'scheduled' ? h('button', { type: 'button', class: 'btn small danger-text', onclick: () => void cancel(d) }, 'Cancel downtime') : null,
              ),
            );
          }),
        ),
      ),
    );
  }

  async function cancel(d: Downtime): Promise<void> {
    const what = d.monitor_id !== null ? (monitors.find((m) => m.id === d.monitor_id)?.name ?? `monitor #${d.monitor_id}`) : describeTarget(d).toLowerCase();
    if (!(await confirmDialog('Cancel downtime', `Cancel downtime #${d.id} for ${what}? Notifications resume at once.`, 'Cancel downtime'))) return;
    notice.replaceChildren();
    try {
      await cancelDowntime(d.id);
      await load();
    } catch (e) {
      notice.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, `Could not cancel downtime #${d.id}: `), h('span', { class: 'error-text' }, (e as Error).message)));
    }
  }

  async function load(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    try {
      const [d, m] = await Promise.all([listDowntimes(false, ac.signal), listMonitors('', [], ac.signal)]);
      if (ac.signal.aborted) return;
      downtimes = d;
      monitors = m;
      render();
    } catch (e) {
      if (isAbort(e)) return;
      body.replaceChildren(errorBox(e instanceof ApiError ? e.message : String(e), () => void load()));
    }
  }

  function openForm(monitorId: number | null): void {
    const f: ScheduleForm = emptySchedule();
    // Which monitors
    const target = { one: radio('dt-target', 'one', 'A monitor', true), tags: radio('dt-target', 'tags', 'Monitors with tags'), all: radio('dt-target', 'all', 'All monitors') };
    const monitorSel = h(
      'select',
      { class: 'input', 'aria-label': 'Monitor' },
      h('option', { value: '' }, 'Pick a monitor…'),
      ...monitors
        .slice()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => h('option', { value: String(m.id) }, `${m.name} (#${m.id})`)),
    );
    if (monitorId !== null) monitorSel.value = String(monitorId);
    const monitorTags = h('input', { class: 'input', 'aria-label': 'Monitor tags', placeholder: 'team:web, env:prod', spellcheck: false, autocomplete: 'off' });
    const scope = h('input', { class: 'input mono', 'aria-label': 'Group scope', placeholder: 'host:web-1, env:prod — empty: every group', spellcheck: false, autocomplete: 'off' });
    // When
    const startNow = radio('dt-start', 'now', 'Now', true);
    const startAt = radio('dt-start', 'at', 'At');
    const startInput = h('input', { class: 'input', type: 'datetime-local', 'aria-label': 'Start (UTC)' });
    const endKind = h(
      'select',
      { class: 'input', 'aria-label': 'End' },
      h('option', { value: 'cancelled' }, 'Until cancelled'),
      h('option', { value: 'for' }, 'After a duration'),
      h('option', { value: 'at' }, 'At a date and time'),
    );
    const endInput = h('input', { class: 'input', type: 'datetime-local', 'aria-label': 'End (UTC)' });
    const forN = h('input', { class: 'input mon-num', type: 'number', min: '1', value: '1', 'aria-label': 'Duration' });
    const forUnit = h('select', { class: 'input', 'aria-label': 'Duration unit' }, h('option', { value: '1' }, 'minutes'), h('option', { value: '60', selected: true }, 'hours'), h('option', { value: '1440' }, 'days'));
    forUnit.value = '60';
    const forWrap = h('span', { class: 'mon-inline' }, forN, forUnit);
    // Repeat
    const repeat = h(
      'select',
      { class: 'input', 'aria-label': 'Repeat' },
      h('option', { value: 'none' }, 'Does not repeat'),
      h('option', { value: 'days' }, 'Daily'),
      h('option', { value: 'weeks' }, 'Weekly'),
    );
    const period = h('input', { class: 'input mon-num', type: 'number', min: '1', value: '1', 'aria-label': 'Repeat every' });
    const periodUnit = h('span', null, 'days');
    const dayBoxes = WEEK_DAYS.map((d) => {
      const input = h('input', { type: 'checkbox', value: d, 'aria-label': d });
      return { d, input, el: h('label', { class: 'mon-day' }, input, h('span', null, d)) };
    });
    const days = h('div', { class: 'mon-days', role: 'group', 'aria-label': 'Days of the week' }, ...dayBoxes.map((b) => b.el));
    const untilKind = h(
      'select',
      { class: 'input', 'aria-label': 'Repeat until' },
      h('option', { value: 'forever' }, 'Forever'),
      h('option', { value: 'date' }, 'Until a date'),
      h('option', { value: 'count' }, 'A number of times'),
    );
    const untilDate = h('input', { class: 'input', type: 'date', 'aria-label': 'Repeat until date (UTC)' });
    const untilCount = h('input', { class: 'input mon-num', type: 'number', min: '1', value: '5', 'aria-label': 'Number of times' });
    const message = h('textarea', { class: 'input', rows: 2, 'aria-label': 'Downtime message', placeholder: 'Why: deploy of checkout 2.4, maintenance…' });
    const summary = h('div', { class: 'mon-dt-summary', 'aria-live': 'polite' });
    const error = h('div', { class: 'mon-notice' });
    const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Schedule downtime');

    const repeatRow = h('div', { class: 'mon-dt-row' }, h('span', { class: 'mon-dt-label' }, 'Repeat'), repeat);
    const everyRow = h('div', { class: 'mon-dt-row' }, h('span', { class: 'mon-dt-sublabel' }, 'Every'), period, periodUnit, days);
    const untilRow = h('div', { class: 'mon-dt-row' }, h('span', { class: 'mon-dt-sublabel' }, 'Ends'), untilKind, untilDate, untilCount);

    function read(): ReturnType<typeof scheduleToJson> {
      f.startNow = startNow.input.checked;
      f.start = startInput.value;
      f.endKind = endKind.value as ScheduleForm['endKind'];
      f.end = endInput.value;
      f.forMinutes = Number(forN.value) * Number(forUnit.value);
      f.repeat = repeat.value as ScheduleForm['repeat'];
      f.period = Number(period.value);
      f.weekDays = dayBoxes.filter((b) => b.input.checked).map((b) => b.d);
      f.untilKind = untilKind.value as ScheduleForm['untilKind'];
      f.untilDate = untilDate.value;
      f.untilCount = Number(untilCount.value);
      return scheduleToJson(f, Math.floor(Date.now() / 1000));
    }
    function sync(): void {
      monitorSel.disabled = !target.one.input.checked;
      monitorTags.disabled = !target.tags.input.checked;
      endInput.hidden = endKind.value !== 'at';
      forWrap.hidden = endKind.value !== 'for';
      const rep = repeat.value !== 'none';
      everyRow.hidden = !rep;
      untilRow.hidden = !rep;
      days.hidden = repeat.value !== 'weeks';
      periodUnit.textContent = repeat.value === 'weeks' ? (Number(period.value) === 1 ? 'week on' : 'weeks on') : Number(period.value) === 1 ? 'day' : 'days';
      untilDate.hidden = untilKind.value !== 'date';
      untilCount.hidden = untilKind.value !== 'count';
      const j = read();
      if ('error' in j) summary.replaceChildren(h('span', { class: 'hint' }, j.error));
      else {
        const who =
          target.one.input.checked
            ? (monitors.find((m) => String(m.id) === monitorSel.value)?.name ?? 'the monitor you pick')
            : target.tags.input.checked
              ? `monitors tagged ${list(monitorTags.value).join(', ') || '…'}`
              : 'all monitors';
        summary.replaceChildren(
          h('strong', null, 'Silences '),
          who,
          h('strong', null, ' for '),
          describeScope(list(scope.value)).replace('All groups', 'every group'),
          h('strong', null, ': '),
          describeSchedule({ ...j, heeler_mute: false }),
        );
      }
    }

    const form = h(
      'form',
      {
        class: 'card mon-downtime-form',
        'aria-label': 'Schedule downtime',
        novalidate: true,
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const j = read();
          if ('error' in j) {
            error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, j.error));
            return;
          }
          const body: DowntimeInput = { scope: list(scope.value).length ? list(scope.value) : '*', start: j.start, end: j.end, message: message.value.trim(), timezone: 'UTC' };
          if (j.recurrence) body.recurrence = j.recurrence;
          if (target.one.input.checked) {
            if (!monitorSel.value) {
              error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, 'Pick the monitor to silence.'));
              return;
            }
            body.monitor_id = Number(monitorSel.value);
          } else if (target.tags.input.checked) {
            if (!list(monitorTags.value).length) {
              error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, 'Give the monitor tags to match.'));
              return;
            }
            body.monitor_tags = list(monitorTags.value);
          }
          submit.disabled = true;
          error.replaceChildren();
          try {
            await createDowntime(body);
            formBox.replaceChildren();
            newBtn.style.display = '';
            await load();
          } catch (err) {
            error.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'Could not schedule: '), h('span', { class: 'error-text' }, (err as Error).message)));
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h3', { class: 'mon-card-title' }, 'Schedule a downtime'),
      h(
        'div',
        { class: 'mon-dt-grid' },
        h('div', { class: 'mon-dt-label' }, 'Silence'),
        h('div', { class: 'mon-dt-col' }, h('div', { class: 'mon-dt-row' }, target.one.el, monitorSel), h('div', { class: 'mon-dt-row' }, target.tags.el, monitorTags), h('div', { class: 'mon-dt-row' }, target.all.el)),
        h('div', { class: 'mon-dt-label' }, 'Groups'),
        h('div', { class: 'mon-dt-col' }, scope, h('div', { class: 'hint' }, 'Only the groups carrying every one of these tags are silenced (host:web-1 silences web-1 of a monitor grouped by host).')),
        h('div', { class: 'mon-dt-label' }, 'Start'),
        h('div', { class: 'mon-dt-row' }, startNow.el, startAt.el, startInput, h('span', { class: 'hint' }, 'UTC')),
        h('div', { class: 'mon-dt-label' }, 'End'),
        h('div', { class: 'mon-dt-row' }, endKind, endInput, forWrap),
        h('div', { class: 'mon-dt-label' }, 'Repeat'),
        h('div', { class: 'mon-dt-col' }, repeatRow, everyRow, untilRow),
        h('div', { class: 'mon-dt-label' }, 'Message'),
        message,
      ),
      summary,
      error,
      h(
        'div',
        { class: 'mon-editor-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            onclick: () => {
              formBox.replaceChildren();
              newBtn.style.display = '';
            },
          },
          'Cancel',
        ),
        submit,
      ),
    );
    // The repeat select sits in the grid's Repeat cell: drop the row's own label.
    repeatRow.firstElementChild?.remove();
    form.addEventListener('input', sync);
    form.addEventListener('change', sync);
    startInput.addEventListener('focus', () => {
      startAt.input.checked = true;
      sync();
    });
    sync();
    formBox.replaceChildren(form);
    newBtn.style.display = 'none';
    (monitorId !== null ? scope : monitorSel).focus();
  }

  return {
    el,
    update() {
      void load().then(() => {
        const m = Number(new URLSearchParams(location.search).get('monitor'));
        if (Number.isInteger(m) && m > 0 && !formBox.firstChild) openForm(m);
      });
      window.clearInterval(timer);
      timer = window.setInterval(() => void load(), 10_000);
    },
    destroy() {
      abort?.abort();
      window.clearInterval(timer);
    },
  };
}
