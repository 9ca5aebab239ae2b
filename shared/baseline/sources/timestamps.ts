/**
 * Versions that are timestamps. Most tools name migrations after the moment they were created:
 * golang-migrate, dbmate and Prisma write `YYYYMMDDhhmmss` (UTC), node-pg-migrate writes epoch
 * milliseconds (13 digits) or `YYYYMMDDhhmmssSSS` (17 digits, UTC). A version that only looks
 * like one (month 13, a sequence number) is not a timestamp.
 */

function fromParts(digits: string): string | null {
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((start, index) =>
    Number(digits.slice(start, index === 0 ? 4 : start + 2)),
  ) as [number, number, number, number, number, number];
  const millis = digits.length === 17 ? Number(digits.slice(14, 17)) : 0;
  if (year < 1970 || year > 9999) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  const exact =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exact ? date.toISOString() : null;
}

/**
 * The instant a version names, ISO 8601 UTC, or null: 14 digits `YYYYMMDDhhmmss`, 17 digits
 * `YYYYMMDDhhmmssSSS`, and with `epochMillis` 13 digits of milliseconds since 1970.
 */
export function versionTimestamp(
  version: string,
  options: { readonly epochMillis?: boolean } = {},
): string | null {
  if (!/^\d+$/.test(version)) return null;
  if (version.length === 14 || version.length === 17) return fromParts(version);
  if (version.length === 13 && options.epochMillis) return new Date(Number(version)).toISOString();
  return null;
}
