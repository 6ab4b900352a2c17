import { formatDateTime, type Lang } from '../i18n/index.ts';
import { sendNotice } from './outbox.ts';

/** What changed on an account that its owner is told of (issue 23, item 5; ASVS V2.2.3). */
export type Notice =
  | 'passwordChanged'
  | 'secondPasswordChanged'
  | 'passwordsReset'
  | 'secondPasswordReset'
  | 'emailChanged'
  | 'passkeyAdded'
  | 'passkeyRemoved'
  | 'newDevice';

/** The account as a notice needs it. */
export interface NoticeAccount {
  tenantId: string;
  kind: string;
  email: string;
  locale?: string | null;
}

/**
 * What every notice says besides its own lines: when (Japan time), and the forgotten-password page of
 * the account's kind, where a person who did not make the change goes (the inquiry contact is the
 * mail's footer).
 */
export function noticeValues(account: Pick<NoticeAccount, 'tenantId' | 'kind'>, issuer: string, lang: Lang) {
  const recovery = account.kind === 'student' ? 'second-password-reset' : 'password-reset';
  return { time: formatDateTime(new Date(), lang), resetUrl: `${issuer}/t/${account.tenantId}/${recovery}` };
}

/**
 * Mails the person, in their language, what changed on their account and when, and what to do if it
 * was not them. Never a secret, a link that logs in, or a token. When the address itself changed,
 * `account` is the account as it was, so the old address is told. Sent before the request answers
 * (sendNotice): the person just proved who they are, so it reveals nothing about who is registered.
 */
export async function notify(account: NoticeAccount, notice: Notice, issuer: string, values: Record<string, string> = {}) {
  const lang: Lang = account.locale === 'en' ? 'en' : 'ja';
  await sendNotice({
    tenantId: account.tenantId,
    to: account.email,
    lang,
    template: `notice.${notice}`,
    values: { ...noticeValues(account, issuer, lang), ...values },
  });
}
