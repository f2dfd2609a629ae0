// Prometheus durations, shared by the collect (hygiene, test files) and judge phases of the rules gate.
/**
 * Prometheus durations (model.ParseDuration): units y, w, d, h, m, s, ms, largest first, each at
 * most once, e.g. "1h30m", "90s", "0". Anything else is rejected by Prometheus at load time.
 */
const UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds, or undefined when the text is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (value === '0') return 0;
  if (value === '') return undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * UNITS[i]![1];
  }
  return ms;
}

/** The shortest Prometheus spelling of a duration: 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    if (unit === 'y' || unit === 'w') continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
