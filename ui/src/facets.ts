// The facet sidebar of the explorers: the attribute keys of matching rows, each
// opening to its values with counts that follow the search; a click adds the value.
import { api, ApiError } from './api';
import { errorBox, h } from './dom';
import type { App } from './main';
import { addTerm, facetTerm } from './query';
import { resolveRange, ViewState } from './state';

interface FacetList {
  facets: { facet: string; count?: number; reserved?: boolean }[];
}
interface FacetValues {
  facet: string;
  values: { value: string; count: number }[];
}

export interface FacetSidebar {
  el: HTMLElement;
  load(s: ViewState): Promise<void>;
}

// `kind` picks the API (/api/v1/facets/logs or …/spans); `open` the facets shown open
// at first; `skip` keys that are no use as facets ('x*': every key beginning 'x'); `first` keys listed before the rest.
export function facetSidebar(app: App, kind: 'logs' | 'spans', opts: { open: string[]; skip: string[]; first?: string[] }): FacetSidebar {
  const el = h('aside', { class: 'facets', 'aria-label': 'Facets' });
  const openFacets = new Set(opts.open);
  // A key ending in '*' skips every key it begins.
  const skipped = (f: string) => opts.skip.some((k) => (k.endsWith('*') ? f.startsWith(k.slice(0, -1)) : f === k));
  const first = opts.first ?? [];

  async function load(s: ViewState): Promise<void> {
    const r = resolveRange(s.range, Date.now());
    const qs = `query=${encodeURIComponent(s.query || '*')}&from=${r.from}&to=${r.to}`;
    try {
      const list = await api<FacetList>(`/api/v1/facets/${kind}?${qs}&limit=30`);
      const reserved = list.facets.filter((f) => f.reserved);
      const attrs = list.facets.filter((f) => !f.reserved);
      const names = [...reserved, ...attrs].map((f) => f.facet).filter((f) => !skipped(f));
      const rank = (f: string) => (first.includes(f) ? first.indexOf(f) : first.length);
      // A stable sort: the chosen keys first, the others in the API's order.
      const ordered = names.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
      for (const f of first) if (!ordered.includes(f) && !skipped(f)) ordered.splice(first.indexOf(f), 0, f);
      el.replaceChildren(h('div', { class: 'facets-title' }, 'Facets'), ...ordered.map((f) => section(f, qs)));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        el.replaceChildren(h('div', { class: 'facets-title' }, 'Facets'));
        return;
      }
      el.replaceChildren(errorBox((e as Error).message, () => void load(app.state())));
    }
  }

  function section(facet: string, qs: string): HTMLElement {
    const values = h('ul', { class: 'facet-values' });
    const details = h('details', { class: 'facet', 'data-facet': facet }, h('summary', null, facet), values);
    const fill = async () => {
      try {
        const r = await api<FacetValues>(`/api/v1/facets/${kind}?${qs}&facet=${encodeURIComponent(facet)}&limit=10`);
        values.replaceChildren(
          ...r.values.map((v) =>
            h(
              'li',
              null,
              h(
                'button',
                {
                  class: 'facet-value',
                  'data-value': v.value,
                  title: `Add ${facetTerm(facet, v.value)} to the search`,
                  onclick: () => app.set({ query: addTerm(app.state().query, facetTerm(facet, v.value)), selected: null }),
                },
                h('span', { class: 'fv-name' }, v.value === '' ? '(empty)' : v.value),
                h('span', { class: 'fv-count' }, v.count.toLocaleString()),
              ),
            ),
          ),
        );
        if (!r.values.length) values.replaceChildren(h('li', { class: 'hint facet-none' }, 'No values'));
      } catch (e) {
        values.replaceChildren(h('li', { class: 'hint' }, (e as Error).message));
      }
    };
    if (openFacets.has(facet)) {
      details.open = true;
      void fill();
    }
    details.addEventListener('toggle', () => {
      if (details.open) {
        openFacets.add(facet);
        void fill();
      } else openFacets.delete(facet);
    });
    return details;
  }

  return { el, load };
}
