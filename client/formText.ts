/**
 * A text field of a submitted form. `FormData.get` gives a File for a file input: stringified it
 * would read «[object File]», so anything but text counts as empty.
 */
export function formText(data: FormData, name: string, fallback = ''): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : fallback;
}
