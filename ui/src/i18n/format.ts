/**
 * Locale-aware formatting of dates and durations, reading the current locale so the
 * output re-renders when the language changes.
 */
import { locale, t } from "./index";

/** A timestamp (ISO 8601) as a local date and time, or the input itself if unparseable. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "medium" }).format(
    date,
  );
}

/** A clock time (for "updated at …"). */
export function formatTime(date: Date): string {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "medium" }).format(date);
}

/**
 * A duration in whole seconds as its two largest non-zero units ("2 d 3 h",
 * "5 min 12 s"); negative durations (clock skew) count as zero.
 */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;

  const parts: string[] = [];
  if (days) parts.push(t("duration.days", { n: days }));
  if (hours) parts.push(t("duration.hours", { n: hours }));
  if (minutes) parts.push(t("duration.minutes", { n: minutes }));
  if (seconds || parts.length === 0) parts.push(t("duration.seconds", { n: seconds }));
  return parts.slice(0, 2).join(" ");
}

/**
 * How far `iso` is from `now`, in words ("5 minutes ago", "in 30 seconds"), in the
 * current language; the input itself if it is not a date.
 */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  if (abs < 5) return rtf.format(0, "second");
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3_600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3_600), "hour");
  return rtf.format(Math.round(seconds / 86_400), "day");
}
