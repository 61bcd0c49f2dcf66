import type { RunEvent } from '@weft/core';

/** A problem+json answer of the service, as an Error the page can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok)
    throw new ApiError(
      res.status,
      typeof json['code'] === 'string' ? json['code'] : `HTTP_${res.status}`,
      typeof json['detail'] === 'string'
        ? json['detail']
        : typeof json['title'] === 'string'
          ? json['title']
          : res.statusText,
    );
  return json as T;
}

/** The service's endpoints the page calls. */
export class Api {
  constructor(readonly base: string) {}

  cancel(runId: string): Promise<unknown> {
    return call('POST', `${this.base}/runs/${encodeURIComponent(runId)}/cancel`, {
      reason: 'cancelled from the dashboard',
    });
  }

  resume(runId: string, input: unknown): Promise<unknown> {
    return call(
      'POST',
      `${this.base}/runs/${encodeURIComponent(runId)}/resume`,
      input === undefined ? {} : { resume: input },
    );
  }

  events(
    runId: string,
    after: number,
    limit: number,
  ): Promise<{ events: RunEvent[]; lastId: number; next: number | null }> {
    return call('GET', `${this.base}/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=${limit}`);
  }

  validate(pipeline: string): Promise<{ valid: boolean; report?: unknown; problems?: unknown[] }> {
    return call('POST', `${this.base}/validate`, { pipeline });
  }

  /** The URL of a run's event stream after `after` (EventSource adds Last-Event-ID on reconnects). */
  eventStream(runId: string, after: number): string {
    return `${this.base}/runs/${encodeURIComponent(runId)}/events?after=${after}`;
  }

  /** The URL of the runs' change stream after change `after` (none: it starts with the whole list). */
  runStream(after: number | undefined): string {
    return after === undefined ? `${this.base}/runs/events` : `${this.base}/runs/events?after=${after}`;
  }
}
