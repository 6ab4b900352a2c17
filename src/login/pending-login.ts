// A login between "this is who it is" and its finish: the strategy that proved it, the account, the
// methods earned and the required actions done, kept in MongoDB under the interaction's uid until the
// interaction itself would expire. The one place that loads and stores it.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { type Account, findAccount } from '../db/identities.ts';
import { PendingLoginModel } from '../db/models/pending-login.ts';
import type { Method } from '../oidc/acr.ts';
import type { LoginStrategy, PendingLogin } from './contract.ts';
import { loadInteraction } from './interaction-context.ts';
import { strategies } from './strategies/index.ts';

/** The pending login of the URL's interaction (still at its login prompt, unexpired), whatever its current action. */
export async function loadPendingLogin(ctx: Context, provider: Provider): Promise<PendingLogin | undefined> {
  const interaction = await loadInteraction(ctx, provider);
  if (interaction?.details.prompt.name !== 'login') return undefined;
  const record = await PendingLoginModel.findById(interaction.uid).lean();
  const strategy = strategies.find((candidate) => candidate.id === record?.strategy);
  if (!record || !strategy || record.expiresAt <= new Date()) return undefined;
  const account = await findAccount(record.accountId, { tenantId: interaction.tenantId });
  return account
    ? { interaction, account, strategy, done: record.done ?? [], methods: (record.methods ?? []) as Method[] }
    : undefined;
}

/** Keeps a login that has required actions ahead of it, for as long as its interaction lives. */
export async function keepPendingLogin(
  uid: string,
  account: Account,
  strategy: LoginStrategy,
  methods: Method[],
  ttlSeconds: number,
): Promise<void> {
  await PendingLoginModel.replaceOne(
    { _id: uid },
    { strategy: strategy.id, accountId: account._id.toString(), methods, expiresAt: new Date(Date.now() + ttlSeconds * 1000) },
    { upsert: true },
  );
}

/** One more required action done, with the methods it earned. */
export async function recordActionDone(uid: string, actionId: string, methods: Method[]): Promise<void> {
  await PendingLoginModel.updateOne({ _id: uid }, { $addToSet: { done: actionId }, $set: { methods } });
}

export async function dropPendingLogin(uid: string): Promise<void> {
  await PendingLoginModel.deleteOne({ _id: uid });
}
