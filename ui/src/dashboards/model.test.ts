import { describe, expect, it } from 'vitest';
import { ImportError, normalizeDashboard, requestQuery, toBody } from './model';

describe('dashboard import', () => {
  it('accepts a Datadog export with unknown fields and keeps them', () => {
    const d = normalizeDashboard({
      id: 'abc-def-ghi',
      title: ' Ops ',
      description: '',
      layout_type: 'ordered',
      is_read_only: false,
      widgets: [
        { id: 5, definition: { type: 'timeseries', title: 'CPU', requests: [{ q: 'avg:ui.cpu{*}', display_type: 'line', on_right_yaxis: false }], markers: [] }, layout: { x: 2, y: 1, width: 4, height: 2 } },
        { definition: { type: 'note', content: 'hi' } },
        { definition: { type: 'slo', slo_id: 'x' }, layout: { x: 20, y: 0, width: 30, height: 0 } },
      ],
      template_variables: [{ name: 'host', prefix: 'host', available_values: [], default: '*' }],
    });
    expect(d.title).toBe('Ops');
    expect(d.is_read_only).toBe(false);
    expect(d.widgets[0]).toMatchObject({ id: 5, layout: { x: 2, y: 1, width: 4, height: 2 } });
    expect(d.widgets[0].definition.markers).toEqual([]);
    expect(d.widgets[1].layout).toBeUndefined();
    expect(d.widgets[2].layout).toEqual({ x: 0, y: 0, width: 12, height: 1 });
    expect(d.template_variables![0].name).toBe('host');
  });
  it('orders a free layout in reading order', () => {
    const d = normalizeDashboard({
      title: 'Free',
      layout_type: 'free',
      widgets: [
        { definition: { type: 'note', content: 'b' }, layout: { x: 40, y: 0, width: 20, height: 10 } },
        { definition: { type: 'note', content: 'c' }, layout: { x: 0, y: 30, width: 20, height: 10 } },
        { definition: { type: 'note', content: 'a' }, layout: { x: 0, y: 0, width: 20, height: 10 } },
      ],
    });
    expect(d.layout_type).toBe('free');
    expect(d.widgets.map((w) => w.definition.content)).toEqual(['a', 'b', 'c']);
    expect(d.widgets.every((w) => w.layout === undefined)).toBe(true);
  });
  it('names what is missing', () => {
    expect(() => normalizeDashboard([])).toThrow(ImportError);
    expect(() => normalizeDashboard({ widgets: [] })).toThrow(/title/);
    expect(() => normalizeDashboard({ title: 'x' })).toThrow(/widgets/);
    expect(() => normalizeDashboard({ title: 'x', widgets: [{ definition: {} }] })).toThrow(/widgets\[0\]/);
    expect(() => normalizeDashboard({ title: 'x', widgets: [], template_variables: [{}] })).toThrow(/template_variables\[0\]/);
  });
  it('sends a body without the fields the server assigns', () => {
    const b = toBody({ id: 'a', url: '/x', created_at: 'c', modified_at: 'm', author_handle: '', title: 't', layout_type: 'free', widgets: [] });
    expect(b).toEqual({ title: 't', layout_type: 'ordered', widgets: [] });
  });
  it('reads classic and formula requests', () => {
    expect(requestQuery({ q: ' avg:a{*} ' })).toEqual({ query: 'avg:a{*}', alias: undefined });
    expect(requestQuery({ queries: [{ name: 'query1', query: 'avg:a{*}', data_source: 'metrics' }], formulas: [{ formula: 'query1', alias: 'A' }] })).toEqual({ query: 'avg:a{*}', alias: 'A' });
    expect(
      requestQuery({
        queries: [
          { name: 'a', query: 'sum:errors{*}' },
          { name: 'b', query: 'sum:hits{*}' },
        ],
        formulas: [{ formula: 'a / b * 100' }],
      })?.query,
    ).toBe('(sum:errors{*}) / (sum:hits{*}) * 100');
    expect(requestQuery({})).toBe(null);
  });
});
