// The Markdown a note widget shows, parsed into a tree that is drawn with text nodes
// only: headings, paragraphs, lists, code blocks, bold, italics, inline code and
// links. Any HTML in a note stays visible text; links go only to http(s), mailto or
// this site.

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'code'; text: string }
  | { t: 'link'; href: string; children: Inline[] };

export type Block =
  | { t: 'heading'; level: number; children: Inline[] }
  | { t: 'paragraph'; children: Inline[] }
  | { t: 'list'; ordered: boolean; items: Inline[][] }
  | { t: 'codeblock'; text: string };

export function safeHref(href: string): string | null {
  const h = href.trim();
  if (/^(https?:|mailto:)/i.test(h)) return h;
  if (/^\/(?!\/)/.test(h) || h.startsWith('#')) return h;
  return null;
}

const INLINE = /`([^`]+)`|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|\[([^\]]+)\]\(([^()\s]+)\)/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push({ t: 'text', text: rest });
      break;
    }
    if (m.index > 0) out.push({ t: 'text', text: rest.slice(0, m.index) });
    if (m[1] !== undefined) out.push({ t: 'code', text: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ t: 'strong', children: parseInline(m[2] ?? m[3]) });
    else if (m[4] !== undefined || m[5] !== undefined) out.push({ t: 'em', children: parseInline(m[4] ?? m[5]) });
    else {
      const href = safeHref(m[7]);
      if (href) out.push({ t: 'link', href, children: parseInline(m[6]) });
      else out.push({ t: 'text', text: m[0] });
    }
    rest = rest.slice(m.index + m[0].length);
  }
  // Neighbouring text pieces join.
  return out.reduce<Inline[]>((acc, n) => {
    const last = acc[acc.length - 1];
    if (n.t === 'text' && last?.t === 'text') last.text += n.text;
    else acc.push(n);
    return acc;
  }, []);
}

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ t: 'paragraph', children: parseInline(para.join(' ')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) body.push(lines[i]);
      blocks.push({ t: 'codeblock', text: body.join('\n') });
      continue;
    }
    const hm = /^(#{1,6})\s+(.*)$/.exec(line);
    if (hm) {
      flush();
      blocks.push({ t: 'heading', level: hm[1].length, children: parseInline(hm[2].trim()) });
      continue;
    }
    const lm = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (lm) {
      flush();
      const ordered = /\d/.test(lm[1]);
      const last = blocks[blocks.length - 1];
      const item = parseInline(lm[2]);
      if (last?.t === 'list' && last.ordered === ordered) last.items.push(item);
      else blocks.push({ t: 'list', ordered, items: [item] });
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    para.push(line.trim());
  }
  flush();
  return blocks;
}
