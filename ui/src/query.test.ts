import { describe, expect, it } from 'vitest';
import { addTerm, buildQuery, errorPosition, facetTerm, parseQuery } from './query';

describe('metric query builder', () => {
  it('builds the text of a builder query', () => {
    expect(
      buildQuery({ aggregator: 'sum', metric: 'it.cpu', scope: ['env:prod', '!host:b'], groupBy: ['host'], functions: '' }),
    ).toBe('sum:it.cpu{env:prod,!host:b} by {host}');
    expect(buildQuery({ aggregator: 'avg', metric: 'm', scope: [], groupBy: [], functions: '.rollup(max, 60)' })).toBe(
      'avg:m{*}.rollup(max, 60)',
    );
    expect(buildQuery({ aggregator: 'avg', metric: '', scope: [], groupBy: [], functions: '' })).toBe('');
  });

  it('parses text back into the builder, both ways', () => {
    const texts = ['avg:it.cpu{*} by {host}', 'p95:lat.ms{env:prod,service:web} by {host,region}.rollup(max, 60)', 'max:a.b{x:y}'];
    for (const t of texts) expect(buildQuery(parseQuery(t)!)).toBe(t);
    expect(parseQuery('it.cpu{*}')).toEqual({ aggregator: 'avg', metric: 'it.cpu', scope: [], groupBy: [], functions: '' });
    expect(parseQuery(' sum:x{ a:b , c:d } by { h }')!.scope).toEqual(['a:b', 'c:d']);
  });

  it('leaves what the builder cannot show to the raw editor', () => {
    expect(parseQuery('sum:a{*} / sum:b{*}')).toBeNull();
    expect(parseQuery('avg:a{env:prod OR env:dev}')).toBeNull();
    expect(parseQuery('avg:a{host IN (a, b)}')).toBeNull();
    expect(parseQuery('avg:a{*')).toBeNull();
    expect(parseQuery('median:a{*}')).toBeNull();
  });
});

describe('error positions', () => {
  it('finds the position in API messages', () => {
    expect(errorPosition("filter.query: at 12: '(' is never closed")).toEqual({ position: 12, message: "'(' is never closed" });
    expect(errorPosition('at 0: expected a metric name')).toEqual({ position: 0, message: 'expected a metric name' });
    expect(errorPosition('limit must be 1 to 1000')).toEqual({ position: null, message: 'limit must be 1 to 1000' });
  });
});

describe('facet terms', () => {
  it('quotes values that need it', () => {
    expect(facetTerm('service', 'web')).toBe('service:web');
    expect(facetTerm('@http.method', 'POST')).toBe('@http.method:POST');
    expect(facetTerm('@msg', 'a b "c"')).toBe('@msg:"a b \\"c\\""');
  });
  it('adds a term once', () => {
    expect(addTerm('', 'service:web')).toBe('service:web');
    expect(addTerm('*', 'service:web')).toBe('service:web');
    expect(addTerm('status:error', 'service:web')).toBe('status:error service:web');
    expect(addTerm('service:web', 'service:web')).toBe('service:web');
  });
});
