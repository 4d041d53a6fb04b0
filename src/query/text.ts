/** A value from untrusted JSON as message text: String() throws on objects with a non-function `toString`. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
