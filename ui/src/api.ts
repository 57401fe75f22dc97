// Calls to the Heeler API. A refusal becomes an ApiError holding the server's own
// message ({"errors": ["…"]}); a network failure says so in words.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init?.method ?? (init?.body !== undefined ? 'POST' : 'GET'),
      headers: init?.body !== undefined ? { 'Content-Type': 'application/json' } : undefined,
      body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: init?.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The Heeler server cannot be reached. Is it running?');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const errors = (body as { errors?: unknown[] } | null)?.errors;
    const message = Array.isArray(errors) && errors.length ? errors.map(String).join('; ') : `HTTP ${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  if (body === null) throw new ApiError(res.status, 'The server answered with something that is not JSON.');
  return body as T;
}

export function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}
