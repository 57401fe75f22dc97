// What the notification pieces compute: the message editor's insertions and
// @-mentions, template errors with their position, webhook payload variables, rows of
// the deliveries list and the graph's event markers.
import type { ChannelKind, Delivery, MonitorEvent } from './api';
import { STATUS_COLOR } from './model';

export const MENTION_PREFIX: Record<ChannelKind, string> = { webhook: '@webhook-', slack: '@slack-', teams: '@teams-' };

export function mention(kind: ChannelKind, name: string): string {
  return `${MENTION_PREFIX[kind]}${name}`;
}

// The @-mentions a message holds: channels and e-mail addresses.
export function mentionsIn(message: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(/(^|[\s(])(@[A-Za-z0-9_.+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)/g)) {
    const v = m[2].replace(/[.,]+$/, '');
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

// Mentions of a webhook, Slack or Teams channel that is not configured (nothing would
// be delivered there). E-mail addresses and other mentions are left alone.
export function unknownMentions(message: string, channels: Record<ChannelKind, { name: string }[]>): string[] {
  const known = new Set((Object.keys(MENTION_PREFIX) as ChannelKind[]).flatMap((k) => channels[k].map((c) => mention(k, c.name))));
  return mentionsIn(message).filter((m) => (Object.values(MENTION_PREFIX) as string[]).some((p) => m.startsWith(p)) && !known.has(m));
}

export interface Edit {
  text: string;
  selStart: number;
  selEnd: number;
}

// Inserts `snippet` at the selection, replacing it; the caret ends after the snippet.
// A mention gets a space on either side when the neighbours are not already blank.
export function insertText(text: string, selStart: number, selEnd: number, snippet: string, spaced = false): Edit {
  let s = snippet;
  if (spaced) {
    if (selStart > 0 && !/\s/.test(text[selStart - 1])) s = ` ${s}`;
    if (selEnd < text.length && !/\s/.test(text[selEnd])) s = `${s} `;
  }
  const out = text.slice(0, selStart) + s + text.slice(selEnd);
  const caret = selStart + s.length;
  return { text: out, selStart: caret, selEnd: caret };
}

// Wraps the selection in a section ({{#is_alert}}…{{/is_alert}}); with nothing
// selected the caret lands inside the empty section.
export function wrapSection(text: string, selStart: number, selEnd: number, name: string, inverted = false): Edit {
  const open = `{{${inverted ? '^' : '#'}${name}}}`;
  const close = `{{/${name}}}`;
  const inner = text.slice(selStart, selEnd);
  const out = text.slice(0, selStart) + open + inner + close + text.slice(selEnd);
  const a = selStart + open.length;
  return { text: out, selStart: a, selEnd: a + inner.length };
}

export const SECTIONS: { name: string; label: string }[] = [
  { name: 'is_alert', label: 'Alert' },
  { name: 'is_warning', label: 'Warning' },
  { name: 'is_recovery', label: 'Recovery' },
  { name: 'is_no_data', label: 'No data' },
  { name: 'is_renotify', label: 'Renotify' },
];

export const VALUE_VARIABLES = ['value', 'threshold', 'warn_threshold', 'comparator', 'last_triggered_at', 'link'];

// The group variables a grouped monitor offers: `host` → {{host.name}}; a facet keeps
// its @ (`@http.method` → {{@http.method.name}}).
// A tag's value is {{host.name}}; an @facet is itself ({{view.name}} for @view.name).
export function groupVariables(keys: string[]): string[] {
  return [...new Set(keys.map((k) => k.trim()).filter(Boolean))].map((k) => (k.startsWith('@') ? k.slice(1) : `${k}.name`));
}

// The group-by keys of a monitor query: metric `by {host,env}`, or `.by("service")`.
export function groupKeysOf(query: string): string[] {
  const metric = /\bby\s*\{([^}]*)\}/.exec(query);
  if (metric) return metric[1].split(',').map((s) => s.trim()).filter(Boolean);
  const ev = /\.by\(([^)]*)\)/.exec(query);
  if (ev)
    return [...ev[1].matchAll(/"([^"]+)"/g)]
      .flatMap((m) => m[1].split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

// "message: at 21: {{service.name}} needs …" → where it is and what it says.
export interface FieldError {
  field: string;
  position: number | null;
  message: string;
}

export function parseFieldError(e: string): FieldError {
  const m = /^(\w+): (?:at (\d+): )?([\s\S]*)$/.exec(e);
  if (!m) return { field: '', position: null, message: e };
  return { field: m[1], position: m[2] !== undefined ? Number(m[2]) : null, message: m[3] };
}

// A position in the text as line and column, both from 1.
export function lineCol(text: string, position: number): { line: number; col: number } {
  const before = text.slice(0, position).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

// The variables a webhook payload may hold (docs/monitors.md).
export const WEBHOOK_VARIABLES: [string, string][] = [
  ['$EVENT_TITLE', 'the rendered title, e.g. [Triggered on {host:web-1}] CPU high'],
  ['$EVENT_MSG', 'the rendered message'],
  ['$TEXT_ONLY_MSG', 'the message without markdown'],
  ['$ALERT_TRANSITION', 'Triggered, Recovered, Warn, No Data, Re-Triggered…'],
  ['$ALERT_STATUS', 'the monitor’s state'],
  ['$ALERT_TYPE', 'error, warning, success, info'],
  ['$ALERT_ID', 'the monitor’s id'],
  ['$ALERT_TITLE', 'the monitor’s name'],
  ['$ALERT_QUERY', 'the monitor’s query'],
  ['$ALERT_METRIC', 'the metric'],
  ['$ALERT_SCOPE', 'the group, e.g. host:web-1'],
  ['$ALERT_PRIORITY', 'P1 … P5'],
  ['$ALERT_VALUE', 'the value that changed the state'],
  ['$HOSTNAME', 'the group’s host'],
  ['$TAGS', 'the monitor’s tags'],
  ['$LINK', 'the monitor’s page'],
  ['$DATE', 'when it happened (epoch ms)'],
  ['$LAST_UPDATED', 'when the monitor was last edited'],
  ['$ID', 'the event’s id'],
  ['$AGGREG_KEY', 'the aggregation key'],
  ['$ALERT_CYCLE_KEY', 'one key per alert cycle'],
  ['$EVENT_TYPE', 'the event’s type'],
  ['$PRIORITY', 'normal or low'],
  ['$ORG_ID', 'the organisation id'],
  ['$ORG_NAME', 'the organisation name'],
];

export const DEFAULT_PAYLOAD = '{\n  "title": "$EVENT_TITLE",\n  "transition": "$ALERT_TRANSITION",\n  "scope": "$ALERT_SCOPE",\n  "message": "$EVENT_MSG",\n  "link": "$LINK"\n}';

// A payload or headers field checked before it is sent: empty is fine, otherwise JSON
// (a payload of any JSON; headers an object of strings).
export function checkJson(text: string, object: boolean): string | null {
  if (!text.trim()) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `Not valid JSON: ${(e as Error).message}`;
  }
  if (object && (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')))
    return 'Custom headers are a JSON object of header names and string values.';
  return null;
}

// One row of the deliveries list.
export interface DeliveryRow {
  time: number;
  channel: string;
  kind: string; // Webhook, Slack, Teams, E-mail
  transition: string;
  group: string;
  status: 'delivered' | 'failed' | 'silenced' | string;
  label: string; // "Delivered", "Failed after 3 attempts", "Silenced by downtime #1"
  detail: string;
}

export function deliveryRow(d: Delivery): DeliveryRow {
  const kind = d.channel.startsWith('@webhook-') ? 'Webhook' : d.channel.startsWith('@slack-') ? 'Slack' : d.channel.startsWith('@teams-') ? 'Teams' : d.channel.includes('@', 1) ? 'E-mail' : 'Other';
  const n = d.attempts;
  const tries = `${n} attempt${n === 1 ? '' : 's'}`;
  let label: string;
  let detail = d.detail ?? '';
  if (d.status === 'delivered') label = n > 1 ? `Delivered after ${tries}` : 'Delivered';
  else if (d.status === 'failed') label = `Failed after ${tries}`;
  else if (d.status === 'silenced') {
    const dt = /^downtime (\d+)$/.exec(detail);
    label = dt ? `Silenced by downtime #${dt[1]}` : 'Silenced';
    if (dt) detail = '';
  } else label = d.status;
  return { time: d.timestamp, channel: d.channel, kind, transition: d.transition ?? '', group: d.group ?? '', status: d.status, label, detail };
}

// A vertical marker on the query graph for a state-change event.
export interface EventMarker {
  time: number; // s
  color: string;
  label: string;
}

const ALERT_TYPE_COLOR: Record<string, string> = { error: STATUS_COLOR.alert, warning: STATUS_COLOR.warn, success: STATUS_COLOR.ok, info: STATUS_COLOR.nodata };

export function eventMarkers(events: MonitorEvent[]): EventMarker[] {
  return events
    .map((e) => {
      const state = (e.tags ?? []).find((t) => t.startsWith('monitor_state:'))?.slice('monitor_state:'.length);
      const color = state ? (STATUS_COLOR[state.toLowerCase().replace(/[^a-z]/g, '')] ?? STATUS_COLOR.unknown) : (ALERT_TYPE_COLOR[e.alert_type ?? ''] ?? STATUS_COLOR.unknown);
      return { time: (e.timestamp_ms ?? e.date_happened * 1000) / 1000, color, label: e.title };
    })
    .sort((a, b) => a.time - b.time);
}

// What the history's Notified column says for a state change: the server marks it
// notified even when a downtime silenced every delivery, which the deliveries tell.
export function notifiedLabel(e: { timestamp: number; group: string; notified?: boolean; renotify?: boolean }, deliveries: Delivery[]): string {
  if (!e.notified) return '—';
  const near = deliveries.filter((d) => (d.group ?? '') === e.group && Math.abs(d.timestamp - e.timestamp) < 2000);
  if (near.length && near.every((d) => d.status === 'silenced')) return 'silenced';
  if (near.some((d) => d.status === 'failed') && !near.some((d) => d.status === 'delivered')) return 'failed';
  return e.renotify ? 'renotified' : 'yes';
}

// Completion while typing in the message: after `@` the configured channels, after
// `{{` the variables, after `{{#` or `{{^` the sections (inserted with their closing
// tag, the caret between), after `{{/` the closing tags.
export interface CompletionItem {
  label: string;
  insert: string;
  caret: number; // where the caret goes, from the start of `insert`
}

export interface Completion {
  from: number;
  to: number;
  items: CompletionItem[];
}

export function completeAt(text: string, caret: number, mentions: string[], variables: string[]): Completion | null {
  const before = text.slice(0, caret);
  const at = /(^|[\s(])(@[\w.+-]*)$/.exec(before);
  if (at) {
    const prefix = at[2];
    const items = mentions.filter((m) => m.startsWith(prefix) && m !== prefix).map((m) => ({ label: m, insert: m, caret: m.length }));
    return items.length ? { from: caret - prefix.length, to: caret, items } : null;
  }
  const v = /\{\{([#^/]?)([\w.@-]*)$/.exec(before);
  if (!v) return null;
  const [whole, sigil, word] = v;
  // A closing "}}" already typed after the caret is replaced too.
  const to = text.startsWith('}}', caret) ? caret + 2 : caret;
  let items: CompletionItem[];
  if (sigil === '#' || sigil === '^') {
    items = SECTIONS.filter((s) => s.name.startsWith(word)).map((s) => {
      const open = `{{${sigil}${s.name}}}`;
      return { label: `${open}…{{/${s.name}}}`, insert: `${open}{{/${s.name}}}`, caret: open.length };
    });
  } else if (sigil === '/') {
    const open = [...before.matchAll(/\{\{[#^](\w+)\}\}/g)].map((m) => m[1]);
    const closed = [...before.matchAll(/\{\{\/(\w+)\}\}/g)].map((m) => m[1]);
    const unclosed = open.filter((n, i) => open.slice(0, i + 1).filter((x) => x === n).length > closed.filter((x) => x === n).length);
    items = [...new Set(unclosed.reverse())].filter((n) => n.startsWith(word)).map((n) => ({ label: `{{/${n}}}`, insert: `{{/${n}}}`, caret: n.length + 5 }));
  } else {
    items = variables.filter((x) => x.startsWith(word)).map((x) => ({ label: `{{${x}}}`, insert: `{{${x}}}`, caret: x.length + 4 }));
  }
  return items.length ? { from: caret - whole.length, to, items } : null;
}
