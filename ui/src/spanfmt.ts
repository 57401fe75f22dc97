// What the trace pages share: a span as the API answers it, and durations in words.

export interface ApiSpan {
  trace_id: string;
  span_id: string;
  parent_id: string;
  service: string;
  resource_name: string;
  operation_name?: string;
  start_timestamp: string;
  end_timestamp?: string;
  duration: number; // ns
  status: string;
  status_message?: string;
  env?: string;
  version?: string;
  host?: string;
  type?: string;
  span_kind?: string;
  tags?: string[];
  custom?: Record<string, unknown>;
}

export function fmtDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}
