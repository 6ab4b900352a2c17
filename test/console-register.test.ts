import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AccountModel } from '../src/db/models/account.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { RegisterEntryModel } from '../src/db/models/register.ts';
import { registry } from '../src/metrics.ts';
import { registerReviewMetrics } from '../src/review/numbers.ts';
import { APPLICANT, Applicant } from './helpers/applicant.ts';
import { inputValue } from './helpers/browser.ts';
import { runScript } from './helpers/run.ts';
import { consoleUniversity, type StaffPage } from './helpers/staff.ts';

// Issue 27 items 1 and 2: a reviewer uploads the university's graduate register and sees every
// application checked against it.
const suite = consoleUniversity('console-register', 'reviewer');

/** The reviewer chooses the register file on the register page and presses the button. */
async function upload(page: StaffPage, file: Uint8Array, name = 'register.csv'): Promise<StaffPage> {
  const body = new FormData();
  body.set('_csrf', inputValue(page.html, '_csrf'));
  body.set('register', new Blob([new Uint8Array(file)], { type: 'text/csv' }), name);
  const result = await suite.staff.browser.follow(`${suite.staff.base}/register/upload`, { method: 'POST', body });
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

/** The columns as the mapping page chose them, as its form would post them. */
function chosenColumns(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, body] of html.matchAll(/<select id="(column2?-[^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[name as string] = body?.match(/<option value="(\d*)" selected>/)?.[1] ?? '';
  }
  return fields;
}

const REGISTER = [
  '学籍番号,氏名,フリガナ,ローマ字,生年月日,学部,学科,卒業年月日,区分',
  '15L0001,山田 太郎,ヤマダ タロウ,YAMADA Taro,1990/09/09,文学部,日本文学科,2015/03/20,卒業',
  '15L0002,髙橋 花子,たかはし はなこ,TAKAHASHI Hanako,平成3年4月1日,文学部,日本文学科,2015/03/20,卒業',
  '15L0003,佐藤 一郎,サトウ イチロウ,SATOU Ichirou,1990/01/01,文学部,日本文学科,2014/09/30,退学',
].join('\r\n');

async function applied(email: string, values: Record<string, string>) {
  await new Applicant(suite.service).apply(email, values);
  return String((await ApplicationModel.findOne({ email }).lean())?._id);
}

test.serial(
  'a reviewer uploads the register, sees what it holds and what changes, and applies it; the upload is audited',
  async (t) => {
    const page = await suite.staff.get('/register');
    t.regex(page.html, /<h1>卒業生名簿<\/h1>/);
    t.regex(page.html, /名簿はまだ登録されていません。/);

    const mapping = await upload(
      page,
      new TextEncoder().encode(
        `\uFEFF${REGISTER}\r\n15L0004,鈴木 次郎,スズキ ジロウ,,1990/13/01,文学部,日本文学科,2015/03/20,卒業`,
      ),
    );
    t.regex(mapping.url, /\/register\/uploads\/[\w-]+$/);
    t.regex(
      mapping.html,
      /<option value="1" selected>氏名 \(山田 太郎\)<\/option>/,
      'columns recognised by their Japanese headings',
    );
    t.regex(mapping.html, /4行を読み込みました：取り込める卒業生 3名、取り込めない行 1行。/);
    t.regex(mapping.html, /5行目 \(15L0004\): 生年月日が日付として読めません/);
    t.notRegex(mapping.html, /名簿に反映する/, 'a file with a refused row cannot be applied');
    t.is(await RegisterEntryModel.countDocuments({ tenantId: 'test-univ' }), 0, 'nothing is written before it is applied');

    const good = await upload(await suite.staff.get('/register'), new TextEncoder().encode(REGISTER));
    t.regex(good.html, /反映すると：追加 3名、変更 0名、変更なし 0名、削除 0名。/);
    const applied = await suite.staff.post(good.url.replace(/^.*\/staff/, ''), good, {
      ...chosenColumns(good.html),
      mode: 'replace',
      apply: 'yes',
    });
    t.regex(applied.html, /名簿に反映しました。/);
    t.regex(applied.html, /登録されている卒業生：3名/);
    const stored = await RegisterEntryModel.findOne({ tenantId: 'test-univ' }).lean();
    t.false(
      Buffer.from(stored?.sealed.buffer ?? [])
        .toString('utf8')
        .includes('山田'),
      'stored sealed, not as text',
    );
    t.like((await AuditModel.findOne({ event: 'console.register_applied' }).lean())?.detail, {
      mode: 'replace',
      added: 3,
      removed: 0,
    });
  },
);

test.serial(
  'each application shows every item against the register: matches, close ones with the difference marked, and differences',
  async (t) => {
    // Married since: the register knows the name at school, which the form asks for too.
    const exact = await applied('register-exact@example.com', {
      ...APPLICANT,
      nameKanji: '鈴木 太郎',
      nameKana: 'スズキ タロウ',
      nameRoman: 'SUZUKI Taro',
    });
    const close = await applied('register-close@example.com', {
      ...APPLICANT,
      studentId: '15L0002',
      nameKanji: '高橋 花子',
      nameKana: 'タカハシ ハナコ',
      nameRoman: 'Takahashi Hanako',
      schoolNameKanji: '高橋 花子',
      schoolNameKana: 'タカハシ ハナコ',
      schoolNameRoman: 'Takahashi Hanako',
      birthdate: '1991/04/01',
    });
    const wrong = await applied('register-wrong@example.com', {
      ...APPLICANT,
      studentId: '15L0099',
      nameKanji: '佐藤 一郎',
      schoolNameKanji: '佐藤 一郎',
      birthdate: '1990-01-01',
    });

    const page = await suite.staff.get(`/applications/${exact}`);
    t.regex(page.html, /名簿と全項目が一致しています。/);
    t.regex(
      page.html,
      /<dt>在学時氏名<\/dt><dd>山田 太郎<span class="register-item register-match"><span class="likeness">✓ 一致<\/span><\/span><\/dd>/,
    );
    t.regex(page.html, /<dt>申請者氏名<\/dt><dd>鈴木 太郎<\/dd>/, 'the current name is not compared');
    t.regex(page.html, /<dd>15L0001<span class="register-item register-match">/, 'the student ID is in the register');

    const closePage = await suite.staff.get(`/applications/${close}`);
    t.regex(closePage.html, /名簿とほぼ一致しています（表記の違いがあります）。/);
    t.regex(closePage.html, /≈ 近い<\/span> 名簿： <mark>髙<\/mark>橋 花子/, 'the old form in the register is marked');
    t.regex(closePage.html, /≈ 近い<\/span> 名簿： <mark>たかはし<\/mark> <mark>はなこ<\/mark>/, 'a register in hiragana');

    const wrongPage = await suite.staff.get(`/applications/${wrong}`);
    t.regex(wrongPage.html, /この学籍番号は名簿にありません。/);
    t.regex(wrongPage.html, /名簿の候補（氏名または生年月日が同じ卒業生）/);
    t.regex(wrongPage.html, /学籍番号 15L0003 · 佐藤 一郎/, 'the graduate of the same name and birth date is offered');

    const queue = await suite.staff.get('/');
    // Issue 27 item 6: the numbers above the queue, and the same for Prometheus.
    t.regex(queue.html, /<dt>審査待ち<\/dt><dd>3件<\/dd>/);
    t.regex(queue.html, /<dt>名簿と異なる・名簿にない（審査待ちのうち）<\/dt><dd>1件<\/dd>/);
    t.regex(queue.html, /<dt>承認の割合（過去30日の承認・却下のうち）<\/dt><dd>—<\/dd>/, 'nothing decided yet');
    registerReviewMetrics();
    t.regex(await registry.getSingleMetricAsString('cert_idp_review_waiting'), /cert_idp_review_waiting\{tenant="test-univ"\} 3/);
    t.regex(
      await registry.getSingleMetricAsString('cert_idp_review_register_mismatches'),
      /cert_idp_review_register_mismatches\{tenant="test-univ"\} 1/,
    );
    t.regex(queue.html, /✓ 全項目一致/);
    t.regex(queue.html, /≈ 表記違い/);
    t.regex(queue.html, /— 名簿になし/);
    const matching = await suite.staff.get('/?status=pending&match=match');
    t.regex(matching.html, new RegExp(`applications/${exact}"`));
    t.notRegex(
      matching.html,
      new RegExp(`applications/${close}"`),
      'the filter keeps only the applications whose items all match',
    );
    t.notRegex(matching.html, new RegExp(`applications/${wrong}"`));
  },
);

test.serial('a Shift_JIS register of another layout is mapped column by column and extends the register', async (t) => {
  // Excel in Japan saves "CSV" in Shift_JIS; this layout's headings are not ones the service knows.
  const file = new Uint8Array(readFileSync(new URL('./fixtures/register-shift-jis.csv', import.meta.url)));
  const mapping = await upload(await suite.staff.get('/register'), file, '名簿2015.csv');
  t.is(mapping.status, 400, 'without a student ID column the file cannot be read yet');
  t.regex(mapping.html, /学籍番号と氏名（漢字）の列を選んでください。/);
  const columns = {
    ...chosenColumns(mapping.html),
    'column-studentId': '0',
    'column-nameKanji': '1',
    'column2-nameKanji': '2',
    'column-birthdate': '3',
  };
  const checked = await suite.staff.post(mapping.url.replace(/^.*\/staff/, ''), mapping, { ...columns, mode: 'extend' });
  t.regex(checked.html, /反映すると：追加 1名、変更 1名、変更なし 0名、削除 0名。/);
  const applied = await suite.staff.post(mapping.url.replace(/^.*\/staff/, ''), checked, {
    ...columns,
    mode: 'extend',
    apply: 'yes',
  });
  t.regex(applied.html, /登録されている卒業生：4名/, 'extended: the graduates not in the file stay');
});

test.serial("an additional student ID is checked too, with the account's birth date", async (t) => {
  const account = await AccountModel.findOne({ tenantId: 'test-univ', email: 'hanako.sato@example.com' }).lean();
  const { _id } = await ApplicationModel.create({
    tenantId: 'test-univ',
    email: 'hanako.sato@example.com',
    type: 'student-id',
    accountId: String(account?._id),
    values: {
      studentId: '16S0001',
      schoolNameKanji: '渡辺 真一',
      catalogue: 'let-jpn',
      graduation: '2015-03',
      graduationType: 'graduated',
    },
    submittedAt: new Date(),
  });
  const page = await suite.staff.get(`/applications/${_id}`);
  t.regex(page.html, /名簿と異なる項目があります。/, "the account's birth date (1999-05-06) is not the register's (1992-05-06)");
  t.regex(
    page.html,
    /<dd>渡辺 真一<span class="register-item register-close"><span class="likeness">≈ 近い<\/span> 名簿： 渡<mark>邊<\/mark> 真一/,
  );
  await ApplicationModel.deleteOne({ _id });
});

test.serial('a reviewer deletes the register; applications are no longer checked', async (t) => {
  const page = await suite.staff.get('/register');
  const deleted = await suite.staff.post('/register/delete', page, {});
  t.regex(deleted.html, /名簿を削除しました。/);
  t.is(await RegisterEntryModel.countDocuments({ tenantId: 'test-univ' }), 0);
  t.like((await AuditModel.findOne({ event: 'console.register_deleted' }).lean())?.detail, { removed: 4 });
  t.notRegex((await suite.staff.get('/')).html, /名簿照合/);
});

test.serial(
  'an operator imports the same register file with the CLI: previewed first, written with --apply, readable by reviewers',
  async (t) => {
    const file = join(mkdtempSync(join(tmpdir(), 'register-')), 'register.csv');
    writeFileSync(file, `${REGISTER}\r\n15L0009,,,,,,,,`);
    const { config } = suite.service;
    const cli = (...args: string[]) =>
      runScript('src/cli/main.ts', ['register', 'import', '--tenant', 'test-univ', '--file', file, ...args], {
        NODE_ENV: 'test',
        MONGODB_URI: config.mongodb.uri as string,
        KEYS_DIR: config.keysDir,
      });
    const refused = await cli('--apply');
    t.regex(refused.stdout, /line 5: no name in kanji/);
    t.regex(refused.stderr, /not applied: rows were refused/);
    t.is(await RegisterEntryModel.countDocuments({ tenantId: 'test-univ' }), 0);
    writeFileSync(file, REGISTER);
    const preview = await cli();
    t.regex(preview.stdout, /3 graduates read, 0 rows refused; \{"added":3,"changed":0,"unchanged":0,"removed":0\}/);
    t.regex(preview.stdout, /nothing written/);
    t.is((await cli('--apply')).code, 0);
    t.regex((await suite.staff.get('/register')).html, /登録されている卒業生：3名/);
    const id = await applied('register-cli@example.com', APPLICANT);
    t.regex(
      (await suite.staff.get(`/applications/${id}`)).html,
      /名簿と全項目が一致しています。/,
      'sealed by the CLI, read by the service',
    );
  },
);
