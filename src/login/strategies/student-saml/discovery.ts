import type { Context } from 'koa';
import { setCookie } from '../../../http/cookies.ts';
import type { Lang } from '../../../i18n/index.ts';
import type { IdpChoice } from '../../../saml/idps.ts';

// Requirement X2.3: the discovery page's search and remembered choice.

/** Up to this many IdPs the login page lists them all; beyond, it offers the search (the discovery page). */
export const INLINE_CHOICES = 8;
/** The discovery page shows at most this many matches; typing more of the name narrows them. */
const SHOWN = 50;
const YEAR_MS = 365 * 86_400_000;

const cookieName = (tenantId: string) => `idp_choice_${tenantId}`;

/** The IdP the browser chose last time at this university (the discovery protocol's remembered choice). */
export function rememberedChoice(ctx: Context, tenantId: string, choices: IdpChoice[]): IdpChoice | undefined {
  const slug = ctx.cookies.get(cookieName(tenantId), { signed: true });
  return slug ? choices.find((choice) => choice.slug === slug) : undefined;
}

export function rememberChoice(ctx: Context, tenantId: string, slug: string): void {
  setCookie(ctx, cookieName(tenantId), slug, { maxAge: YEAR_MS });
}

const normalize = (text: string) => text.normalize('NFKC').toLowerCase();

/** Matches where every word typed appears in a name (either language), the entity ID or a scope. */
export function searchChoices(choices: IdpChoice[], query: string): { shown: IdpChoice[]; total: number } {
  const words = normalize(query).split(/\s+/).filter(Boolean);
  const matches = words.length
    ? choices.filter((choice) => {
        const text = normalize(`${choice.displayName.ja} ${choice.displayName.en} ${choice.keywords}`);
        return words.every((word) => text.includes(word));
      })
    : choices;
  return { shown: matches.slice(0, SHOWN), total: matches.length };
}

/** An IdP as a page lists it, named in the page's language. */
export const listed = (choice: IdpChoice, lang: Lang) => ({
  slug: choice.slug,
  name: choice.displayName[lang] || choice.displayName.en || choice.slug,
  logo: choice.logo,
});
