/** Multipart form values are strings: numbers and booleans are read back as such. */
export function formValue(value: string): unknown {
  if (/^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}
