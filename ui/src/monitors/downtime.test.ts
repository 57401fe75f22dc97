import { describe, expect, it } from 'vitest';
import { appliesTo, describeSchedule, describeScope, describeTarget, downtimeState, emptySchedule, fmtDuration, muteState, parseUtcLocal, scheduleFromJson, scheduleToJson } from './downtime';

const T = Date.UTC(2026, 10, 22, 13, 0) / 1000; // Sun Nov 22 2026 13:00 UTC

describe('downtime state', () => {
  it('cancelled wins, then the server says active', () => {
    expect(downtimeState({ disabled: true, active: true, end: null, recurrence: null }, T)).toBe('cancelled');
    expect(downtimeState({ disabled: false, active: true, end: null, recurrence: null }, T)).toBe('active');
  });
  it('a past window has ended; a future one is scheduled', () => {
    expect(downtimeState({ disabled: false, active: false, end: T - 1, recurrence: null }, T)).toBe('ended');
    expect(downtimeState({ disabled: false, active: false, end: T + 60, recurrence: null }, T)).toBe('scheduled');
  });
  it('a recurrence ends with its until date', () => {
    const r = { type: 'days' as const, period: 1 };
    expect(downtimeState({ disabled: false, active: false, end: T - 3600, recurrence: r }, T)).toBe('scheduled');
    expect(downtimeState({ disabled: false, active: false, end: T - 3600, recurrence: { ...r, until_date: T - 60 } }, T)).toBe('ended');
  });
});

describe('schedule in words', () => {
  it('one-time windows', () => {
    expect(describeSchedule({ start: T, end: T + 7200, recurrence: null })).toBe('Nov 22 2026 13:00 – Nov 22 2026 15:00 UTC');
    expect(describeSchedule({ start: T, end: null, recurrence: null })).toBe('From Nov 22 2026 13:00 UTC until cancelled');
    expect(describeSchedule({ start: 0, end: null, recurrence: null, heeler_mute: true })).toBe('Until unmuted');
    expect(describeSchedule({ start: 0, end: T, recurrence: null })).toBe('Until Nov 22 2026 13:00 UTC');
  });
  it('weekly on days, until a date', () => {
    expect(describeSchedule({ start: T, end: T + 7200, recurrence: { type: 'weeks', period: 1, week_days: ['Sun', 'Sat'], until_date: Date.UTC(2027, 0, 1) / 1000 } })).toBe(
      'Every Sat and Sun, 13:00 UTC for 2 h, from Nov 22 2026 until Jan 1 2027',
    );
    expect(describeSchedule({ start: T, end: T + 1800, recurrence: { type: 'weeks', period: 2, week_days: ['Mon', 'Wed', 'Fri'] } })).toBe(
      'Every 2 weeks on Mon, Wed and Fri, 13:00 UTC for 30 min, from Nov 22 2026',
    );
  });
  it('daily, a number of times', () => {
    expect(describeSchedule({ start: T, end: T + 3600, recurrence: { type: 'days', period: 1, until_occurrences: 3 } })).toBe('Every day, 13:00 UTC for 1 h, from Nov 22 2026, 3 times');
    expect(describeSchedule({ start: T, end: T + 90000, recurrence: { type: 'days', period: 3 } })).toBe('Every 3 days, 13:00 UTC for 1 d 1 h, from Nov 22 2026');
  });
  it('durations', () => {
    expect(fmtDuration(45 * 60)).toBe('45 min');
    expect(fmtDuration(90 * 60)).toBe('1 h 30 min');
    expect(fmtDuration(2 * 86400)).toBe('2 d');
  });
  it('scope and target', () => {
    expect(describeScope(['*'])).toBe('All groups');
    expect(describeScope('*')).toBe('All groups');
    expect(describeScope(['host:web-1', 'env:prod'])).toBe('host:web-1, env:prod');
    expect(describeTarget({ monitor_id: 3, monitor_tags: ['*'] })).toBe('Monitor #3');
    expect(describeTarget({ monitor_id: null, monitor_tags: ['team:web'] })).toBe('Monitors tagged team:web');
    expect(describeTarget({ monitor_id: null, monitor_tags: ['*'] })).toBe('All monitors');
  });
});

describe('which monitors', () => {
  const m = { id: 3, name: 'CPU', tags: ['team:web', 'env:prod'] };
  it('by id and by tags', () => {
    expect(appliesTo({ monitor_id: 3, monitor_tags: ['*'] }, m)).toBe(true);
    expect(appliesTo({ monitor_id: 4, monitor_tags: ['*'] }, m)).toBe(false);
    expect(appliesTo({ monitor_id: null, monitor_tags: ['team:web'] }, m)).toBe(true);
    expect(appliesTo({ monitor_id: null, monitor_tags: ['team:web', 'env:dev'] }, m)).toBe(false);
  });
  it('muted wholly or in part', () => {
    expect(muteState([])).toEqual({ muted: false, whole: false, scopes: [], ids: [] });
    expect(muteState([{ id: 1, scope: ['host:web-1'] }])).toEqual({ muted: true, whole: false, scopes: ['host:web-1'], ids: [1] });
    expect(muteState([{ id: 1, scope: ['host:web-1'] }, { id: 2, scope: ['*'] }]).whole).toBe(true);
  });
});

describe('schedule form to JSON and back', () => {
  it('now until cancelled', () => {
    expect(scheduleToJson(emptySchedule(), T)).toEqual({ start: T, end: null, recurrence: null });
  });
  it('a date-time read as UTC, for a duration', () => {
    const f = { ...emptySchedule(), startNow: false, start: '2026-11-22T13:00', endKind: 'for' as const, forMinutes: 90 };
    expect(scheduleToJson(f, 0)).toEqual({ start: T, end: T + 5400, recurrence: null });
    expect(parseUtcLocal('2026-11-22')).toBe(Date.UTC(2026, 10, 22) / 1000);
    expect(parseUtcLocal('nope')).toBeNull();
  });
  it('weekly recurrence in the API order of days, until a date', () => {
    const f = { ...emptySchedule(), startNow: false, start: '2026-11-22T13:00', endKind: 'at' as const, end: '2026-11-22T15:00', repeat: 'weeks' as const, weekDays: ['Sun', 'Sat'], untilKind: 'date' as const, untilDate: '2027-01-01' };
    const j = scheduleToJson(f, 0);
    expect(j).toEqual({ start: T, end: T + 7200, recurrence: { type: 'weeks', period: 1, week_days: ['Sat', 'Sun'], until_date: Date.UTC(2027, 0, 1) / 1000 } });
    const back = scheduleFromJson(j as { start: number; end: number; recurrence: never });
    expect(back).toMatchObject({ start: '2026-11-22T13:00', endKind: 'at', end: '2026-11-22T15:00', repeat: 'weeks', weekDays: ['Sat', 'Sun'], untilKind: 'date', untilDate: '2027-01-01' });
  });
  it('daily a number of times', () => {
    const f = { ...emptySchedule(), endKind: 'for' as const, forMinutes: 60, repeat: 'days' as const, period: 2, untilKind: 'count' as const, untilCount: 3 };
    expect(scheduleToJson(f, T)).toEqual({ start: T, end: T + 3600, recurrence: { type: 'days', period: 2, until_occurrences: 3 } });
    expect(scheduleFromJson({ start: T, end: T + 3600, recurrence: { type: 'days', period: 2, until_occurrences: 3 } })).toMatchObject({ repeat: 'days', period: 2, untilKind: 'count', untilCount: 3 });
  });
  it('says what is missing', () => {
    expect(scheduleToJson({ ...emptySchedule(), repeat: 'days' }, T)).toEqual({ error: expect.stringMatching(/needs an end/) });
    expect(scheduleToJson({ ...emptySchedule(), endKind: 'for', repeat: 'weeks' }, T)).toEqual({ error: expect.stringMatching(/days of the week/) });
    expect(scheduleToJson({ ...emptySchedule(), startNow: false, start: '2026-11-22T13:00', endKind: 'at', end: '2026-11-22T12:00' }, 0)).toEqual({ error: 'The end must be after the start.' });
    expect(scheduleToJson({ ...emptySchedule(), startNow: false }, T)).toEqual({ error: 'Pick a start date and time.' });
  });
});
