import { describe, expect, it } from 'vitest';
import { currentValues, readTplParams, substitute } from './tplvars';

const host = (value: string) => ({ name: 'host', prefix: 'host', value });

describe('template variable substitution', () => {
  it('replaces a variable that is the whole scope', () => {
    expect(substitute('avg:ui.cpu{$host}', [host('web-1')])).toBe('avg:ui.cpu{host:web-1}');
  });
  it('replaces a variable among other terms', () => {
    expect(substitute('avg:ui.cpu{env:prod,$host} by {host}', [host('web-1')])).toBe('avg:ui.cpu{env:prod,host:web-1} by {host}');
  });
  it('drops the term when the value is *', () => {
    expect(substitute('avg:ui.cpu{env:prod,$host}', [host('*')])).toBe('avg:ui.cpu{env:prod}');
    expect(substitute('avg:ui.cpu{$host}', [host('*')])).toBe('avg:ui.cpu{*}');
    expect(substitute('avg:ui.cpu{$host, $env}', [host('*'), { name: 'env', prefix: 'env', value: '*' }])).toBe('avg:ui.cpu{*}');
  });
  it('gives the bare value for $name.value', () => {
    expect(substitute("avg:ui.cpu{role:$host.value}", [host('web-1')])).toBe('avg:ui.cpu{role:web-1}');
  });
  it('substitutes in every query of a formula and keeps other scopes', () => {
    expect(substitute('sum:a{$service} / sum:b{$service,env:prod}', [{ name: 'service', prefix: 'service', value: 'web' }])).toBe(
      'sum:a{service:web} / sum:b{service:web,env:prod}',
    );
  });
  it('does not mistake a longer name for a shorter one', () => {
    expect(substitute('avg:m{$hostname}', [host('web-1'), { name: 'hostname', prefix: 'hostname', value: 'h1' }])).toBe('avg:m{hostname:h1}');
  });
  it('keeps parenthesised lists together and negations', () => {
    expect(substitute('avg:m{region IN (a, b),!$host}', [host('web-2')])).toBe('avg:m{region IN (a, b),!host:web-2}');
  });
  it('leaves unknown variables as typed', () => {
    expect(substitute('avg:m{$other}', [host('web-1')])).toBe('avg:m{$other}');
  });
  it('takes values from the URL, then defaults', () => {
    const vars = [
      { name: 'host', prefix: 'host', default: 'web-2' },
      { name: 'env', prefix: 'env' },
      { name: 'service', prefix: 'service', defaults: ['api'] },
    ];
    expect(currentValues(vars, readTplParams('?t=1h&tpl_env=prod'))).toEqual([
      { name: 'host', prefix: 'host', value: 'web-2' },
      { name: 'env', prefix: 'env', value: 'prod' },
      { name: 'service', prefix: 'service', value: 'api' },
    ]);
  });
});
