/**
 * A date as people type it (the manuals write 1990/09/09 and 2015/03; also 1990-09-09, 19900909,
 * full-width digits) as YYYY-MM-DD, or YYYY-MM with `month`; undefined when it is not one.
 */
function isoDate(typed: string, month: boolean): string | undefined {
  const text = typed.normalize('NFKC').replace(/\s/g, '');
  const parts = text.match(month ? /^(\d{4})[/.-]?(\d{1,2})$/ : /^(\d{4})[/.-]?(\d{1,2})[/.-]?(\d{1,2})$/);
  if (!parts) return undefined;
  const [, year, mm, dd] = parts;
  if (!month && !/[/.-]/.test(text) && text.length !== 8) return undefined;
  const pad = (n: string | undefined) => (n as string).padStart(2, '0');
  const iso = month ? `${year}-${pad(mm)}` : `${year}-${pad(mm)}-${pad(dd)}`;
  return month && !/^\d{4}-(0[1-9]|1[0-2])$/.test(iso) ? undefined : iso;
}

/** A day of the calendar as typed, as YYYY-MM-DD; undefined when it is not one (1990/02/30 is not). */
export function typedDay(typed: string): string | undefined {
  const day = isoDate(typed, false);
  if (day === undefined) return undefined;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day) ? day : undefined;
}

/** A month as typed (2015/3, 2015-03), as YYYY-MM; undefined when it is not one. */
export const typedMonth = (typed: string): string | undefined => isoDate(typed, true);
