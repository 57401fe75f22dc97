// Template variables as Datadog applies them to a query: `$host` inside a scope
// becomes `host:web-1` (or leaves the scope when the value is `*`), `$host.value` is
// the value alone. Values live in the URL as tpl_<name>=<value>.
import type { TemplateVariable } from './model';

export interface TplValue {
  name: string;
  prefix?: string | null;
  value: string; // "*": every value
}

const NAME_END = '(?![A-Za-z0-9_\\-])';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Splits a scope on commas that are not inside parentheses (`host IN (a, b)`).
function splitScope(scope: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of scope) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function substitute(query: string, vars: TplValue[]): string {
  let q = query;
  // Longest names first, so $hostname is not read as $host followed by "name".
  const sorted = vars.slice().sort((a, b) => b.name.length - a.name.length);
  for (const v of sorted) {
    q = q.replace(new RegExp(`\\$${escapeRe(v.name)}\\.value${NAME_END}`, 'g'), () => v.value);
  }
  // Scopes: each `{…}` that names a variable.
  q = q.replace(/\{([^{}]*)\}/g, (whole, inner: string) => {
    if (!inner.includes('$')) return whole;
    const parts = splitScope(inner).map((part) => {
      let p = part.trim();
      for (const v of sorted) {
        const token = new RegExp(`\\$${escapeRe(v.name)}${NAME_END}`, 'g');
        if (!token.test(p)) continue;
        const all = v.value === '*' || v.value === '';
        // A term that is only the variable (possibly negated) leaves when it is `*`.
        if (all && new RegExp(`^[!-]?\\$${escapeRe(v.name)}${NAME_END}$`).test(p)) return null;
        const term = v.prefix ? `${v.prefix}:${all ? '*' : v.value}` : all ? '*' : v.value;
        p = p.replace(token, () => term);
      }
      return p;
    });
    const kept = parts.filter((p): p is string => p !== null && p !== '');
    return `{${kept.length ? kept.join(',') : '*'}}`;
  });
  return q;
}

// The value each variable has: the URL's, else its default, else `*`.
export function currentValues(vars: TemplateVariable[], fromUrl: Record<string, string>): TplValue[] {
  return vars.map((v) => ({
    name: v.name,
    prefix: v.prefix ?? null,
    value: fromUrl[v.name] ?? v.default ?? (Array.isArray(v.defaults) && v.defaults.length ? String(v.defaults[0]) : '*'),
  }));
}

export function readTplParams(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) if (k.startsWith('tpl_')) out[k.slice(4)] = v;
  return out;
}
