import type { Context } from 'koa';
import { render } from '../http/views.ts';
import { base } from '../review/context.ts';
import { recentlyVerified, stepUpUrl } from './step-up.ts';

/**
 * Renders a console page with what every console page carries: the staff bar's data, the page's own
 * address (`page`, under /t/:tenant/staff: the language switch points there even when a refused form
 * re-renders it under its POST address), the step-up link when the last proof of who the member is has
 * grown old, then the page's data and what a refused form left (`extra`).
 */
export function renderConsole(
  ctx: Context,
  view: string,
  page: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  status = 200,
): void {
  const path = `${base(ctx)}${page}`;
  const common = { base: base(ctx), path, staff: ctx.state.staff, stepUp: recentlyVerified(ctx) ? '' : stepUpUrl(ctx, path) };
  render(ctx, view, { ...common, values: {}, errors: {}, ...data, ...extra }, status);
}
