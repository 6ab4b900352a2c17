import type { Context } from 'koa';
import { tenantOf } from '../http/state.ts';
import type { PageDeps } from '../page-deps.ts';
import type { ResetKind } from './kinds.ts';

/** What the recovery pages of one kind are built from: every journey's PageDeps and the kind. */
export type RecoveryDeps = PageDeps & { kind: ResetKind };

/** Where the kind's pages live: /t/:tenant/password-reset or /t/:tenant/second-password-reset. */
export const kindPath = (tenantId: string, kind: ResetKind) => `/t/${tenantId}/${kind.path}`;

/** The kind's pages for this request's university. */
export const base = (ctx: Context, kind: ResetKind) => kindPath(tenantOf(ctx)._id, kind);
