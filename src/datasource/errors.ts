/** The message of a failed request: Grafana's fetch errors carry it in `data.message`. */
export function errorMessage(error: unknown): string {
  if (error && typeof error === 'object') {
    const data = (error as { data?: { message?: string; error?: string } }).data;
    if (data?.message || data?.error) {
      return String(data.message ?? data.error);
    }
    if ('message' in error && typeof (error as Error).message === 'string') {
      return (error as Error).message;
    }
  }
  return String(error);
}
