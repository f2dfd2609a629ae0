/** Text helpers for reports. */
/** Shortens to at most `max` UTF-16 units without splitting a surrogate pair (an emoji). */
export function clamp(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 3);
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}...`;
}
