// A wait as a person says it, for pages that refuse an attempt for a while.

const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;

/** "2 seconds", "1 minute", "15 minutes", "2 hours": rounded up, never zero. */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return unit(s, 'second');
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  return unit(Math.ceil(minutes / 60), 'hour');
}
