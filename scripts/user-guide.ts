// npm run guide — the user guide for graduates and students (docs/guide/ja.md, docs/guide/en.md), made
// from the browser tests' screenshots so it shows the screens as they are (issue 28, "Also"). Run it
// after the browser tests (npm test writes test-results/screenshots/); it copies the phone pictures it
// names into docs/guide/images/ and writes both guides. A university may link to them from its pages.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Lang = 'ja' | 'en';
interface Step {
  /** The journey's picture: test-results/screenshots/<journey>/<lang>-phone/<file>. */
  shot: [journey: string, file: string];
  text: Record<Lang, string>;
}
interface Section {
  title: Record<Lang, string>;
  intro: Record<Lang, string>;
  steps: Step[];
}

const SECTIONS: Section[] = [
  {
    title: { ja: '卒業生の方：利用申請', en: 'Graduates: applying for use' },
    intro: {
      ja: '証明書発行サービスを初めて使うときは、利用申請が必要です。大学が内容を確認して承認すると、メールで初期パスワードが届きます。',
      en: 'The first time you use the certificate service, apply for use. Once the university has checked and approved it, your initial password arrives by mail.',
    },
    steps: [
      {
        shot: ['graduate-application', '01-mail-address-setting.png'],
        text: {
          ja: 'ログイン画面の「新規登録手続き」から、メールアドレスを2回入力して「確認」を押します。',
          en: 'From "New registration procedure" on the login page, enter your mail address twice and press "Check".',
        },
      },
      {
        shot: ['graduate-application', '03-terms-of-use.png'],
        text: {
          ja: '届いたメールのURL（30分有効）を開き、利用規約を読んで同意します。',
          en: 'Open the URL in the mail (valid for 30 minutes), read the terms of use and agree.',
        },
      },
      {
        shot: ['graduate-application', '05-applicant-form-filled.png'],
        text: {
          ja: '申請者情報と在学時の情報を入力し、本人確認書類の画像を添付します。スマートフォンの写真は大きくても自動で縮小されます。',
          en: 'Fill in your details and those of your time at the university, and attach pictures of your identification document. A large phone photo is made smaller for you.',
        },
      },
      {
        shot: ['graduate-application', '06-confirmation.png'],
        text: { ja: '確認画面で内容を確かめて申請します。', en: 'Check what you entered on the confirmation page and apply.' },
      },
    ],
  },
  {
    title: { ja: '卒業生の方：初めてのログイン', en: 'Graduates: your first login' },
    intro: {
      ja: '承認のメールに書かれた初期パスワードでログインし、パスワードと第2パスワードを設定します。',
      en: 'Log in with the initial password in the approval mail, then set your password and second password.',
    },
    steps: [
      {
        shot: ['graduate-application', '08-login.png'],
        text: {
          ja: 'メールアドレスと初期パスワードを入力します。初めてのときは第2パスワードは空欄のままです。',
          en: 'Enter your mail address and the initial password. Leave the second password empty this first time.',
        },
      },
      {
        shot: ['graduate-application', '10-password-rules-met.png'],
        text: {
          ja: '新しいパスワードと第2パスワードを設定します。条件を満たすと ✓ が付きます。',
          en: 'Set a new password and second password. Each rule is ticked once it is met.',
        },
      },
    ],
  },
  {
    title: { ja: 'アカウントの設定', en: 'Your account' },
    intro: {
      ja: '証明書発行サービスのメニューから、登録内容やパスワードを変更できます。',
      en: "From the certificate service's menu you can change your details and passwords.",
    },
    steps: [
      {
        shot: ['account-pages', '02-account-menu.png'],
        text: { ja: 'アカウントのメニューです。', en: 'The account menu.' },
      },
      {
        shot: ['account-pages', '10-change-mail-address.png'],
        text: {
          ja: 'メールアドレスの変更は、新しいアドレスに届くメールのURLで確定します。',
          en: 'A new mail address takes effect when you open the URL mailed to it.',
        },
      },
      {
        shot: ['account-pages', '14-additional-student-id.png'],
        text: {
          ja: '別の学籍番号（大学院など）も、このアカウントに追加を申請できます。',
          en: 'You can apply to add another student ID (a graduate school, for example) to this account.',
        },
      },
    ],
  },
  {
    title: { ja: 'パスワードを忘れた場合', en: 'If you forget your password' },
    intro: {
      ja: 'ログイン画面の「パスワードを忘れた場合」から、登録したメールアドレスに再設定のメールを送ります。',
      en: 'From "If you have forgotten your password" on the login page, have a reset mail sent to your registered address.',
    },
    steps: [
      {
        shot: ['account-pages', '21-forgotten-password.png'],
        text: { ja: 'メールアドレスを入力して送信します。', en: 'Enter your mail address and send.' },
      },
      {
        shot: ['account-pages', '23-reset-form.png'],
        text: {
          ja: 'メールのURLを開き、新しいパスワードと第2パスワードを設定します。',
          en: 'Open the URL in the mail and set a new password and second password.',
        },
      },
    ],
  },
  {
    title: { ja: '在学生の方', en: 'Current students' },
    intro: {
      ja: '在学生は、大学のアカウント（学内のシングルサインオン）でログインします。',
      en: "Current students log in with the university's own account (its single sign-on).",
    },
    steps: [
      {
        shot: ['student-login', '01-login.png'],
        text: {
          ja: 'ログイン画面の「在学生の方」から大学のログインへ進みます。',
          en: 'From "Current students" on the login page, go on to the university sign-in.',
        },
      },
      {
        shot: ['student-login', '03-mail-address-setting.png'],
        text: {
          ja: '初めてのときは、連絡を受け取るメールアドレスを登録します。',
          en: 'The first time, register the mail address for the messages you receive.',
        },
      },
      {
        shot: ['student-login', '08-second-password-setting.png'],
        text: {
          ja: '大学が求める場合は、第2パスワードも設定します。',
          en: 'Where your university asks for one, also set a second password.',
        },
      },
    ],
  },
];

const HEADINGS = {
  ja: { title: '証明書発行サービス ログインの手引き', other: 'English', otherFile: 'en.md' },
  en: { title: 'Certificate issuance service: login guide', other: '日本語', otherFile: 'ja.md' },
};

const root = new URL('../', import.meta.url).pathname;
const missing: string[] = [];
for (const lang of ['ja', 'en'] as const) {
  const images = join(root, 'docs/guide/images', lang);
  mkdirSync(images, { recursive: true });
  const lines = [`# ${HEADINGS[lang].title}`, '', `[${HEADINGS[lang].other}](${HEADINGS[lang].otherFile})`, ''];
  for (const section of SECTIONS) {
    lines.push(`## ${section.title[lang]}`, '', section.intro[lang], '');
    for (const [i, step] of section.steps.entries()) {
      const [journey, file] = step.shot;
      const source = join(root, 'test-results/screenshots', journey, `${lang}-phone`, file);
      const name = `${journey}-${file}`;
      if (existsSync(source)) copyFileSync(source, join(images, name));
      else missing.push(source);
      lines.push(`${i + 1}. ${step.text[lang]}`, '', `   ![${step.text[lang]}](images/${lang}/${name})`, '');
    }
  }
  writeFileSync(join(root, 'docs/guide', `${lang}.md`), `${lines.join('\n').trimEnd()}\n`);
}
if (missing.length) {
  console.error(`run the browser tests first; missing:\n${missing.join('\n')}`);
  process.exit(1);
}
console.log('docs/guide/ja.md and docs/guide/en.md written');
