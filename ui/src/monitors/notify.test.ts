import { describe, expect, it } from 'vitest';
import { checkJson, completeAt, deliveryRow, eventMarkers, notifiedLabel, groupKeysOf, groupVariables, insertText, lineCol, mention, mentionsIn, parseFieldError, unknownMentions, wrapSection } from './notify';

describe('message editor', () => {
  it('inserts at the caret, replacing the selection', () => {
    expect(insertText('CPU is  now', 7, 7, '{{value}}')).toEqual({ text: 'CPU is {{value}} now', selStart: 16, selEnd: 16 });
    expect(insertText('a XX b', 2, 4, '{{value}}')).toEqual({ text: 'a {{value}} b', selStart: 11, selEnd: 11 });
  });
  it('spaces a mention from its neighbours', () => {
    expect(insertText('Notify', 6, 6, '@webhook-ops', true).text).toBe('Notify @webhook-ops');
    expect(insertText('Notify ', 7, 7, '@webhook-ops', true).text).toBe('Notify @webhook-ops');
    expect(insertText('ab', 1, 1, '@slack-x', true)).toEqual({ text: 'a @slack-x b', selStart: 11, selEnd: 11 });
  });
  it('wraps the selection in a section, or puts the caret inside it', () => {
    expect(wrapSection('Page me', 0, 7, 'is_alert')).toEqual({ text: '{{#is_alert}}Page me{{/is_alert}}', selStart: 13, selEnd: 20 });
    expect(wrapSection('', 0, 0, 'is_recovery')).toEqual({ text: '{{#is_recovery}}{{/is_recovery}}', selStart: 16, selEnd: 16 });
    expect(wrapSection('x', 1, 1, 'is_alert', true).text).toBe('x{{^is_alert}}{{/is_alert}}');
  });
  it('group variables from the query’s group-by', () => {
    expect(groupKeysOf('avg(last_5m):avg:cpu{*} by {host,env} > 90')).toEqual(['host', 'env']);
    expect(groupKeysOf('logs("x").index("*").rollup("count").by("service","@http.method").last("5m") > 1')).toEqual(['service', '@http.method']);
    expect(groupKeysOf('avg(last_5m):avg:cpu{*} > 90')).toEqual([]);
    expect(groupVariables(['host', ' env', 'host'])).toEqual(['host.name', 'env.name']);
    expect(groupVariables(['@view.name', 'service'])).toEqual(['view.name', 'service.name']);
    expect(groupKeysOf('rum("@type:error").rollup("count").by("@view.name,service").last("5m") > 1')).toEqual(['@view.name', 'service']);
  });
  it('mentions, and the ones no channel answers', () => {
    expect(mention('webhook', 'ops')).toBe('@webhook-ops');
    expect(mentionsIn('Hot. @webhook-ops, @slack-team and @jo@example.com. (@teams-x)')).toEqual(['@webhook-ops', '@slack-team', '@jo@example.com', '@teams-x']);
    const channels = { webhook: [{ name: 'ops' }], slack: [], teams: [] };
    expect(unknownMentions('@webhook-ops @webhook-nope @slack-a @jo@example.com', channels)).toEqual(['@webhook-nope', '@slack-a']);
  });
  it('the server’s template errors with their position', () => {
    expect(parseFieldError('message: at 21: {{service.name}} needs the monitor grouped by service')).toEqual({ field: 'message', position: 21, message: '{{service.name}} needs the monitor grouped by service' });
    expect(parseFieldError('name: at 0: {{#is_alert}} is never closed')).toMatchObject({ field: 'name', position: 0 });
    expect(parseFieldError('something odd')).toEqual({ field: '', position: null, message: 'something odd' });
    expect(lineCol('ab\ncd{{x}}', 5)).toEqual({ line: 2, col: 3 });
  });
  it('payload and headers checked as JSON', () => {
    expect(checkJson('', false)).toBeNull();
    expect(checkJson('{"t": "$EVENT_TITLE"}', false)).toBeNull();
    expect(checkJson('{bad', false)).toMatch(/^Not valid JSON/);
    expect(checkJson('{"X-Token": "abc"}', true)).toBeNull();
    expect(checkJson('{"X-N": 1}', true)).toMatch(/string values/);
    expect(checkJson('[]', true)).toMatch(/JSON object/);
  });
});

describe('deliveries', () => {
  const base = { timestamp: 1795346167271, group: 'host:web-1', transition: 'Triggered', channel: '@webhook-ops' };
  it('delivered, failed with attempts, silenced by a downtime', () => {
    expect(deliveryRow({ ...base, status: 'delivered', attempts: 1, detail: 'HTTP 200' })).toMatchObject({ kind: 'Webhook', label: 'Delivered', detail: 'HTTP 200', status: 'delivered' });
    expect(deliveryRow({ ...base, status: 'delivered', attempts: 2, detail: 'HTTP 200' }).label).toBe('Delivered after 2 attempts');
    expect(deliveryRow({ ...base, channel: '@slack-team', status: 'failed', attempts: 3, detail: "Couldn't connect to server" })).toMatchObject({ kind: 'Slack', label: 'Failed after 3 attempts', detail: "Couldn't connect to server" });
    expect(deliveryRow({ ...base, channel: '@teams-x', status: 'silenced', attempts: 0, detail: 'downtime 4' })).toMatchObject({ kind: 'Teams', label: 'Silenced by downtime #4', detail: '' });
    expect(deliveryRow({ ...base, channel: '@jo@example.com', status: 'delivered', attempts: 1 }).kind).toBe('E-mail');
  });
  it('event markers coloured by the state entered, in time order', () => {
    const m = eventMarkers([
      { title: '[Recovered on {host:web-1}] CPU', date_happened: 200, timestamp_ms: 200500, alert_type: 'success', tags: ['monitor_state:OK'] },
      { title: '[Triggered on {host:web-1}] CPU', date_happened: 100, alert_type: 'error', tags: ['monitor_id:1', 'monitor_state:Alert'] },
      { title: 'x', date_happened: 300, alert_type: 'warning' },
    ]);
    expect(m.map((x) => [x.time, x.color])).toEqual([
      [100, '#d9424f'],
      [200.5, '#2f9e6e'],
      [300, '#e6a23c'],
    ]);
  });
});

describe('history notified column', () => {
  const e = { timestamp: 10_000, group: 'host:web-1', notified: true };
  const d = (status: string, timestamp = 10_020, group = 'host:web-1') => ({ timestamp, group, status, channel: '@webhook-ops', attempts: 1 });
  it('says silenced when a downtime held every delivery', () => {
    expect(notifiedLabel(e, [d('silenced'), d('silenced')])).toBe('silenced');
    expect(notifiedLabel(e, [d('delivered')])).toBe('yes');
    expect(notifiedLabel(e, [d('failed')])).toBe('failed');
    expect(notifiedLabel(e, [d('silenced', 10_020, 'host:web-2')])).toBe('yes');
    expect(notifiedLabel({ ...e, renotify: true }, [])).toBe('renotified');
    expect(notifiedLabel({ ...e, notified: false }, [d('delivered')])).toBe('—');
  });
});

describe('completion in the message', () => {
  const mentions = ['@webhook-ops', '@webhook-oncall', '@slack-team'];
  const vars = ['value', 'threshold', 'host.name'];
  it('channels after @', () => {
    expect(completeAt('Tell @web', 9, mentions, vars)).toEqual({
      from: 5,
      to: 9,
      items: [
        { label: '@webhook-ops', insert: '@webhook-ops', caret: 12 },
        { label: '@webhook-oncall', insert: '@webhook-oncall', caret: 15 },
      ],
    });
    expect(completeAt('mail jo@web', 11, mentions, vars)).toBeNull();
    expect(completeAt('@webhook-ops', 12, mentions, vars)).toBeNull();
  });
  it('variables after {{, taking a typed }} along', () => {
    expect(completeAt('at {{ho', 7, mentions, vars)).toEqual({ from: 3, to: 7, items: [{ label: '{{host.name}}', insert: '{{host.name}}', caret: 13 }] });
    expect(completeAt('at {{v}}', 6, mentions, vars)?.to).toBe(8);
  });
  it('sections with their closing tag, and closing tags of open sections', () => {
    const c = completeAt('{{#is_a', 7, mentions, vars)!;
    expect(c.items).toEqual([{ label: '{{#is_alert}}…{{/is_alert}}', insert: '{{#is_alert}}{{/is_alert}}', caret: 13 }]);
    expect(completeAt('{{#is_alert}}x{{^is_recovery}}y{{/', 34, mentions, vars)!.items.map((i) => i.label)).toEqual(['{{/is_recovery}}', '{{/is_alert}}']);
    expect(completeAt('{{#is_alert}}x{{/is_alert}} {{/', 31, mentions, vars)).toBeNull();
  });
});
