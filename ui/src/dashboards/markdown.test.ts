import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from './markdown';

describe('note markdown', () => {
  it('parses headings, lists, code and inline styles', () => {
    const b = parseMarkdown('# Title\n\nSome **bold** and *it* with `x<y`\n\n- one\n- [two](https://example.com)\n1. first\n```\n<b>raw</b>\n```');
    expect(b[0]).toEqual({ t: 'heading', level: 1, children: [{ t: 'text', text: 'Title' }] });
    expect(b[1]).toEqual({
      t: 'paragraph',
      children: [
        { t: 'text', text: 'Some ' },
        { t: 'strong', children: [{ t: 'text', text: 'bold' }] },
        { t: 'text', text: ' and ' },
        { t: 'em', children: [{ t: 'text', text: 'it' }] },
        { t: 'text', text: ' with ' },
        { t: 'code', text: 'x<y' },
      ],
    });
    expect(b[2]).toEqual({ t: 'list', ordered: false, items: [[{ t: 'text', text: 'one' }], [{ t: 'link', href: 'https://example.com', children: [{ t: 'text', text: 'two' }] }]] });
    expect(b[3]).toMatchObject({ t: 'list', ordered: true });
    expect(b[4]).toEqual({ t: 'codeblock', text: '<b>raw</b>' });
  });
  it('keeps hostile HTML as text', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    expect(parseMarkdown(hostile)).toEqual([{ t: 'paragraph', children: [{ t: 'text', text: hostile }] }]);
    expect(parseInline('**<svg onload=alert(1)>**')).toEqual([{ t: 'strong', children: [{ t: 'text', text: '<svg onload=alert(1)>' }] }]);
  });
  it('refuses script and data links, keeping them as text', () => {
    expect(parseInline('[x](javascript:alert(1))')).toEqual([{ t: 'text', text: '[x](javascript:alert(1))' }]);
    expect(parseInline('[x](data:text/html,hi)')).toEqual([{ t: 'text', text: '[x](data:text/html,hi)' }]);
    expect(safeHref('//evil.example')).toBe(null);
    expect(safeHref('/dashboards')).toBe('/dashboards');
    expect(safeHref('mailto:ops@example.com')).toBe('mailto:ops@example.com');
  });
});
