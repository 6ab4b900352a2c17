import { formatDateTime, type Lang } from '../i18n/index.ts';
import { enqueueMail } from './outbox.ts';

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
 * Mails the person, in their language, what changed on their account and when (Japan time), and
 * what to do if it was not them: the forgotten-password page of their kind of account and the
 * university's inquiry contact (the mail's footer). Never a secret, a link that logs in, or a token.
 * `to`: another address than the account's (the old one, when the address itself changed).
 */
export async function notify(
  account: NoticeAccount,
  notice: Notice,
  issuer: string,
  values: Record<string, string> = {},
  to = account.email,
): Promise<void> {
  const lang: Lang = account.locale === 'en' ? 'en' : 'ja';
  const recovery = account.kind === 'student' ? 'second-password-reset' : 'password-reset';
  await enqueueMail({
    tenantId: account.tenantId,
    to,
    lang,
    template: `notice.${notice}`,
    values: {
      time: formatDateTime(new Date(), lang),
      resetUrl: `${issuer}/t/${account.tenantId}/${recovery}`,
      ...values,
    },
  });
}
