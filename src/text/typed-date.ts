/** The year before each era's first (元年 is year 1), by the era's name and its initial. */
const ERAS: Record<string, number> = {
  明治: 1867,
  大正: 1911,
  昭和: 1925,
  平成: 1988,
  令和: 2018,
  M: 1867,
  T: 1911,
  S: 1925,
  H: 1988,
  R: 2018,
};

/** 平成7年4月1日, H7.4.1 and 1995年4月1日 as 1995/4/1; anything else as it was. */
function westernDate(text: string): string {
  const slashed = text.replace(/[月日]$/, '').replace(/[年月]/g, '/');
  const era = slashed.match(/^(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})[/.-](.*)$/i);
  if (!era) return slashed;
  const [, name, year, rest] = era as unknown as [string, string, string, string];
  return `${(ERAS[name.toUpperCase()] as number) + (year === '元' ? 1 : Number(year))}/${rest}`;
}

/**
 * A date as people type it (the manuals write 1990/09/09 and 2015/03; also 1990-09-09, 19900909,
 * full-width digits, 1990年9月9日 and the Japanese eras: 平成2年9月9日, H2.9.9) as YYYY-MM-DD, or
 * YYYY-MM with `month`; undefined when it is not one.
 */
function isoDate(typed: string, month: boolean): string | undefined {
  const text = westernDate(typed.normalize('NFKC').replace(/\s/g, ''));
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
