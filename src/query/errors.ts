/**
 * The message of a failed request to Grafana or to this plugin's backend, as the browser receives it.
 * Grafana answers errors as `{message}` (response.Error) or, from ngalert's ErrResp, `{message, error?}`;
 * a 403 names the missing permission in `message`. The status is added when the body says nothing else
 * about it. Other errors give their own message.
 */
export function errorMessage(error: unknown): string {
  const failure = error as { status?: number; statusText?: string; data?: unknown; message?: string } | undefined;
  const data = failure?.data as { message?: unknown; error?: unknown } | string | undefined;
  const text =
    typeof data === 'string'
      ? data
      : [data?.message, data?.error].filter((part): part is string => typeof part === 'string' && part !== '');
  const message = Array.isArray(text) ? [...new Set(text)].join(': ') : text;
  if (message) {
    return failure?.status ? `${message} (HTTP ${failure.status})` : message;
  }
  if (failure?.status) {
    return `HTTP ${failure.status}${failure.statusText ? ` ${failure.statusText}` : ''}`;
  }
  return typeof failure?.message === 'string' ? failure.message : String(error);
}
