import { readFileSync } from 'node:fs';
import test from 'ava';
import { AuditModel } from '../src/db/models/audit.ts';
import { TenantModel } from '../src/db/models/tenant.ts';
import { Applicant } from './helpers/applicant.ts';
import { inputValue } from './helpers/browser.ts';
import { consoleUniversity, type StaffPage } from './helpers/staff.ts';

// Issue 26 item 3: the application form's items and the faculty catalogue, run by the university.
const suite = consoleUniversity('console-form');

/** The admin chooses a CSV file (as bytes) on the form page and presses the button; `apply` confirms a preview. */
async function postCsv(page: StaffPage, file: Uint8Array | undefined, fields: Record<string, string> = {}): Promise<StaffPage> {
  const body = new FormData();
  body.set('_csrf', inputValue(page.html, '_csrf'));
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  if (file) body.set('csv', new Blob([new Uint8Array(file)], { type: 'text/csv' }), 'catalogue.csv');
  const result = await suite.staff.browser.follow(`${suite.staff.base}/form/catalogue`, { method: 'POST', body });
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

test.serial('an admin hides an item and makes another required; the applicant form follows at once', async (t) => {
  const page = await suite.staff.get('/form');
  t.regex(page.html, /<h1>申請フォーム<\/h1>/);
  t.regex(page.html, /<th scope="row">申請者氏名<\/th>\s*<td>必須（変更不可）/, 'items needed for the account are fixed');
  const fields: Record<string, string> = {};
  for (const [, name, mode] of page.html.matchAll(/<select id="(mode-[^"]+)"[^>]*>[\s\S]*?<option value="([^"]+)" selected>/g))
    fields[name as string] = mode as string;
  const saved = await suite.staff.post('/form/items', page, {
    ...fields,
    'mode-workName': 'hidden',
    'mode-studentId': 'required',
  });
  t.regex(saved.html, /申請項目を保存しました。/);
  t.like((await AuditModel.findOne({ event: 'console.form_items_changed' }).lean())?.detail, {
    before: 'studentId=optional workName=optional',
    after: 'studentId=required workName=hidden',
  });
  const form = await new Applicant(suite.service).openForm('form-items@example.com');
  t.notRegex(form.html, /name="workName"/);
  t.regex(form.html, /<label for="studentId">学籍番号 <span class="required">必須<\/span><\/label>/);
});

test.serial(
  'an admin downloads the catalogue, edits it in a spreadsheet and imports it after seeing what changes; a broken file changes nothing',
  async (t) => {
    const exported = Buffer.from(
      await (await suite.staff.browser.request(`${suite.staff.base}/form/catalogue.csv`)).arrayBuffer(),
    );
    t.deepEqual([...exported.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM, as Excel in Japan opens it');
    const csv = exported.toString('utf8');
    t.true(csv.startsWith('\uFEFFid,university_ja,university_en'), 'names in the first row');
    t.regex(csv, /sci-phys,テスト大学,Test University,理学部,Faculty of Science,物理学科,Physics/);

    const page = await suite.staff.get('/form');
    const broken = await postCsv(
      page,
      utf8(
        'id,university_ja,university_en,department_ja,department_en,subject_ja,subject_en\nbad id!,a,b,c,d,e,f\nok-1,テスト大学,Test University,工学部,Faculty of Engineering,,Civil\n',
      ),
    );
    t.is(broken.status, 400);
    t.regex(broken.html, /2行目: id「bad id!」は半角英数字/);
    t.regex(broken.html, /3行目: id「ok-1」の名称に空欄があります。/);
    t.notRegex(broken.html, /この内容で一覧を置き換える/);

    // Excel in Japan saves "CSV" in Shift_JIS: one entry changed, one added, one removed.
    const sjisBytes = new Uint8Array(readFileSync(new URL('./fixtures/catalogue-shift-jis.csv', import.meta.url)));
    const preview = await postCsv(await suite.staff.get('/form'), sjisBytes);
    t.is(preview.status, 200);
    t.regex(preview.html, /2行を読み込みました。追加 1件、変更 1件、削除 1件。/);
    t.regex(preview.html, /<code>eng-civ<\/code> テスト大学 \/ 工学部 \/ 土木工学科/);
    t.regex(preview.html, /<code>let-jpn<\/code>/, 'the removed entry is named');
    t.is((await TenantModel.findById('test-univ').lean())?.catalogue?.length, 2, 'nothing changes before it is applied');

    const text = preview.html.match(/<textarea name="csvText" hidden>([\s\S]*?)<\/textarea>/)?.[1] ?? '';
    const applied = await postCsv(preview, undefined, { apply: 'yes', csvText: text.replaceAll('&amp;', '&') });
    t.regex(applied.html, /大学・学部・学科の一覧を更新しました。/);
    const catalogue = (await TenantModel.findById('test-univ').lean())?.catalogue ?? [];
    t.deepEqual(catalogue.map((e) => e._id).sort(), ['eng-civ', 'sci-phys']);
    t.is(catalogue.find((e) => e._id === 'sci-phys')?.subject?.en, 'Physics and Astronomy');
    t.like((await AuditModel.findOne({ event: 'console.catalogue_imported' }).lean())?.detail, {
      added: 1,
      changed: 1,
      removed: 1,
    });
    const form = await new Applicant(suite.service).openForm('catalogue@example.com');
    t.regex(form.html, /土木工学科/);
  },
);
