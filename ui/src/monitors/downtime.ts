// What the downtime pages compute: a downtime's state and schedule in words, the
// monitors it applies to, and the create form's recurrence to and from the API's JSON.
// Times are UTC throughout, as the server evaluates downtimes in UTC only.
import type { Downtime, DowntimeInput, Recurrence } from './api';

export const WEEK_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type DowntimeState = 'active' | 'scheduled' | 'ended' | 'cancelled';

// Cancelled (disabled) first; then the server's `active`; a window that is over, or a
// recurrence whose last date has passed, has ended; anything else is still to come.
export function downtimeState(d: Pick<Downtime, 'disabled' | 'active' | 'end' | 'recurrence'>, nowSec: number): DowntimeState {
  if (d.disabled) return 'cancelled';
  if (d.active) return 'active';
  if (d.recurrence) {
    const until = d.recurrence.until_date;
    return typeof until === 'number' && until < nowSec ? 'ended' : 'scheduled';
  }
  return d.end !== null && d.end <= nowSec ? 'ended' : 'scheduled';
}

const p2 = (n: number) => String(n).padStart(2, '0');

// "Nov 22 2026 13:05" in UTC.
export function fmtUtc(sec: number): string {
  const d = new Date(sec * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}

function fmtUtcDate(sec: number): string {
  const d = new Date(sec * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}

function fmtUtcTime(sec: number): string {
  const d = new Date(sec * 1000);
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}

// "45 min", "2 h", "1 d 6 h".
export function fmtDuration(sec: number): string {
  const m = Math.round(sec / 60);
  if (m < 60) return `${m} min`;
  const hr = Math.floor(m / 60);
  const min = m % 60;
  if (hr < 24) return min ? `${hr} h ${min} min` : `${hr} h`;
  const d = Math.floor(hr / 24);
  const rh = hr % 24;
  return rh ? `${d} d ${rh} h` : `${d} d`;
}

function joinWords(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

// The schedule in words: "Nov 22 2026 13:00 – Nov 22 2026 15:00 UTC", "From … until
// cancelled", "Every Sat and Sun, 22:00 UTC for 2 h, from Nov 22 2026 until Jan 1 2027".
export function describeSchedule(d: Pick<Downtime, 'start' | 'end' | 'recurrence' | 'heeler_mute'>): string {
  const r = d.recurrence;
  if (!r) {
    const from = d.start > 0 ? fmtUtc(d.start) : null;
    if (d.end === null) return from ? `From ${from} UTC until cancelled` : d.heeler_mute ? 'Until unmuted' : 'Until cancelled';
    return from ? `${from} – ${fmtUtc(d.end)} UTC` : `Until ${fmtUtc(d.end)} UTC`;
  }
  const period = Math.max(1, r.period || 1);
  let every: string;
  if (r.type === 'weeks') {
    const days = (r.week_days ?? []).slice().sort((a, b) => WEEK_DAYS.indexOf(a as never) - WEEK_DAYS.indexOf(b as never));
    const on = days.length === 7 ? 'every day' : days.length ? joinWords(days) : '';
    every = period === 1 ? (on ? `Every ${on === 'every day' ? 'day' : on}` : 'Every week') : `Every ${period} weeks${on ? ` on ${on}` : ''}`;
  } else every = period === 1 ? 'Every day' : `Every ${period} days`;
  const window = d.end !== null ? `${fmtUtcTime(d.start)} UTC for ${fmtDuration(d.end - d.start)}` : `from ${fmtUtcTime(d.start)} UTC`;
  let until = '';
  if (typeof r.until_date === 'number') until = ` until ${fmtUtcDate(r.until_date)}`;
  else if (typeof r.until_occurrences === 'number') until = `, ${r.until_occurrences} time${r.until_occurrences === 1 ? '' : 's'}`;
  return `${every}, ${window}, from ${fmtUtcDate(d.start)}${until}`;
}

// The scope in words: every group, or the groups carrying all of these tags.
export function describeScope(scope: string[] | string): string {
  const s = (Array.isArray(scope) ? scope : [scope]).filter((t) => t && t !== '*');
  return s.length ? s.join(', ') : 'All groups';
}

interface MonitorLike {
  id: number;
  name: string;
  tags: string[];
}

// Whether the downtime names the monitor: its id (when set) and every tag of
// monitor_tags ("*" or none: any).
export function appliesTo(d: Pick<Downtime, 'monitor_id' | 'monitor_tags'>, m: MonitorLike): boolean {
  if (d.monitor_id !== null && d.monitor_id !== undefined && d.monitor_id !== m.id) return false;
  return (d.monitor_tags ?? []).filter((t) => t !== '*').every((t) => m.tags.includes(t));
}

export function downtimeMonitors<T extends MonitorLike>(d: Pick<Downtime, 'monitor_id' | 'monitor_tags'>, monitors: T[]): T[] {
  return monitors.filter((m) => appliesTo(d, m));
}

// Which monitors in words, for the list: "All monitors", "Monitors tagged team:web",
// "Monitor #3" (its name is shown beside it when known).
export function describeTarget(d: Pick<Downtime, 'monitor_id' | 'monitor_tags'>): string {
  const tags = (d.monitor_tags ?? []).filter((t) => t !== '*');
  if (d.monitor_id !== null && d.monitor_id !== undefined) return tags.length ? `Monitor #${d.monitor_id} if tagged ${tags.join(', ')}` : `Monitor #${d.monitor_id}`;
  return tags.length ? `Monitors tagged ${tags.join(', ')}` : 'All monitors';
}

// A monitor is muted when an active downtime applies to it: fully when one covers
// every group, partly when each covers only some.
export interface MuteState {
  muted: boolean;
  whole: boolean;
  scopes: string[];
  ids: number[];
}

export function muteState(downtimes: { id: number; scope: string[] | string }[]): MuteState {
  const scopes = downtimes.map((d) => describeScope(d.scope));
  return { muted: downtimes.length > 0, whole: scopes.includes('All groups'), scopes: [...new Set(scopes)], ids: downtimes.map((d) => d.id) };
}

// The create form's schedule.
export interface ScheduleForm {
  startNow: boolean;
  start: string; // datetime-local value, read as UTC
  endKind: 'cancelled' | 'at' | 'for';
  end: string; // datetime-local value, UTC
  forMinutes: number;
  repeat: 'none' | 'days' | 'weeks';
  period: number;
  weekDays: string[];
  untilKind: 'forever' | 'date' | 'count';
  untilDate: string; // yyyy-mm-dd, UTC
  untilCount: number;
}

export function emptySchedule(): ScheduleForm {
  return { startNow: true, start: '', endKind: 'cancelled', end: '', forMinutes: 60, repeat: 'none', period: 1, weekDays: [], untilKind: 'forever', untilDate: '', untilCount: 5 };
}

// A datetime-local value ("2026-11-22T13:05") read as UTC, in epoch seconds.
export function parseUtcLocal(v: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(v)) return null;
  const ms = Date.parse(v.includes('T') ? `${v}Z` : `${v}T00:00:00Z`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

export function toUtcLocal(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 16);
}

// The schedule as the API's start, end and recurrence; an error in words when the
// form is incomplete.
export function scheduleToJson(f: ScheduleForm, nowSec: number): { start: number; end: number | null; recurrence: Recurrence | null } | { error: string } {
  const start = f.startNow ? nowSec : parseUtcLocal(f.start);
  if (start === null) return { error: 'Pick a start date and time.' };
  let end: number | null = null;
  if (f.endKind === 'at') {
    end = parseUtcLocal(f.end);
    if (end === null) return { error: 'Pick an end date and time.' };
    if (end <= start) return { error: 'The end must be after the start.' };
  } else if (f.endKind === 'for') {
    if (!(f.forMinutes > 0)) return { error: 'The duration must be more than 0 minutes.' };
    end = start + Math.round(f.forMinutes * 60);
  }
  if (f.repeat === 'none') return { start, end, recurrence: null };
  if (end === null) return { error: 'A repeating downtime needs an end or a duration: it sets how long each repeat lasts.' };
  // The period is the server's to check (a whole number from 1), so its message shows.
  const r: Recurrence = { type: f.repeat, period: Number.isFinite(f.period) ? Math.floor(f.period) : 0 };
  if (f.repeat === 'weeks') {
    if (f.weekDays.length === 0) return { error: 'Pick the days of the week it repeats on.' };
    r.week_days = WEEK_DAYS.filter((d) => f.weekDays.includes(d));
  }
  if (f.untilKind === 'date') {
    const u = parseUtcLocal(f.untilDate);
    if (u === null) return { error: 'Pick the date the repeats end.' };
    r.until_date = u;
  } else if (f.untilKind === 'count') {
    if (!(f.untilCount >= 1)) return { error: 'The number of repeats must be at least 1.' };
    r.until_occurrences = Math.floor(f.untilCount);
  }
  return { start, end, recurrence: r };
}

// The form for an existing downtime's schedule (for cloning it).
export function scheduleFromJson(d: Pick<DowntimeInput, 'start' | 'end' | 'recurrence'>): ScheduleForm {
  const f = emptySchedule();
  f.startNow = false;
  f.start = toUtcLocal(d.start);
  if (d.end !== null) {
    f.endKind = 'at';
    f.end = toUtcLocal(d.end);
  }
  const r = d.recurrence;
  if (r) {
    f.repeat = r.type;
    f.period = r.period || 1;
    f.weekDays = (r.week_days ?? []).slice();
    if (typeof r.until_date === 'number') {
      f.untilKind = 'date';
      f.untilDate = toUtcLocal(r.until_date).slice(0, 10);
    } else if (typeof r.until_occurrences === 'number') {
      f.untilKind = 'count';
      f.untilCount = r.until_occurrences;
    }
  }
  return f;
}
