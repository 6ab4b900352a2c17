import test from 'ava';
import type { Tenant } from '../src/db/models/tenant.ts';
import { displayValue, type FieldDef, studentIdFields, tenantFields, validateFields } from '../src/http/form-items.ts';

// The manuals' application form items (Requirement G1.4) as pure rules: no service needed.

const tenant = (fields: Array<{ name: string; mode: string }> = [], catalogue = [{ _id: 'sci-phys' }]) =>
  ({ _id: 'u', applicationFields: fields, catalogue }) as unknown as Tenant;
const only = (names: string[], t = tenant()) => tenantFields(t).filter((field) => names.includes(field.name));
const check = (name: string, typed: string, t = tenant()) => {
  const { values, errors } = validateFields(t, () => typed, only([name], t));
  return { value: values[name], error: errors[name]?.key as string | undefined };
};

test('a university hides or relaxes an item, but never one the account needs', (t) => {
  const configured = tenant([
    { name: 'sex', mode: 'hidden' },
    { name: 'nameKana', mode: 'optional' },
    { name: 'nameKanji', mode: 'hidden' },
    { name: 'idType', mode: 'optional' },
  ]);
  const fields = new Map(tenantFields(configured).map((field) => [field.name, field.mode]));
  t.false(fields.has('sex'), 'a hidden item is left out of the form');
  t.is(fields.get('nameKana'), 'optional');
  t.is(fields.get('nameKanji'), 'required', 'the kanji name is fixed');
  t.is(fields.get('idType'), 'required', 'the ID document type is fixed');
});

test('an additional student ID asks for the school items only, the student ID required', (t) => {
  const fields = studentIdFields(tenant());
  t.deepEqual([...new Set(fields.map((field) => field.group))], ['school']);
  t.is(fields.find((field) => field.name === 'studentId')?.mode, 'required');
});

test('dates are taken as people type them and stored as ISO dates; impossible or future ones are refused', (t) => {
  for (const typed of ['1990/09/09', '1990-9-9', '19900909', '１９９０／０９／０９', ' 1990.09.09 ']) {
    t.deepEqual(check('birthdate', typed), { value: '1990-09-09', error: undefined }, typed);
  }
  for (const typed of ['1990/02/30', '9999/01/01', '1899/12/31', '199099', 'yesterday']) {
    t.is(check('birthdate', typed).error, 'form.date', typed);
  }
  t.is(check('graduation', '2015/3').value, '2015-03');
  t.is(check('graduation', '2015/13').error, 'form.month');
});

test('required items, lengths, choices, the catalogue, postal codes, phones and student IDs are checked with their own message', (t) => {
  t.is(check('nameKanji', '   ').error, 'form.required');
  t.is(check('graduationType', '').error, 'form.choice', 'an unchosen choice says "choose"');
  t.is(check('graduationType', 'promoted').error, 'form.choice');
  t.is(check('catalogue', 'sci-chem').error, 'form.choice', 'only the university catalogue’s entries');
  t.is(check('catalogue', 'sci-phys').error, undefined);
  t.is(check('city', 'あ'.repeat(101)).error, 'form.tooLong');
  t.is(check('remarks', 'あ'.repeat(1000)).error, undefined, 'the remark takes 1,000 characters');
  t.is(check('postalCode', '１２３ー４５６７').value, '123-4567');
  t.is(check('postalCode', '123-456').error, 'form.postal');
  t.is(check('phone', '03-1234-5678').error, undefined);
  t.is(check('phone', '０３ー１２３４ー５６７８').value, '03-1234-5678', 'full-width digits and dashes as typed in Japanese');
  t.is(check('phone', '1234').error, 'form.phone');
  t.is(check('studentId', '19B0042').error, undefined);
  t.is(check('studentId', '19B 0042').error, 'form.studentId');
  t.is(check('sex', '').error, undefined, 'an optional item may stay empty');
});

test('names keep to their script, spaces are folded, and invisible characters are refused in every item', (t) => {
  t.deepEqual(check('nameKanji', '山田　　花子'), { value: '山田 花子', error: undefined });
  t.is(check('nameKana', 'やまだ はなこ').error, 'form.kana');
  t.is(check('nameRoman', 'YAMADA Hanako').error, undefined);
  t.is(check('nameRoman', '山田').error, 'form.roman');
  t.is(check('city', 'Chiyoda\u202Eku').error, 'form.characters', 'a bidirectional override');
  t.is(check('street', '1-1\u200B').error, 'form.characters', 'a zero-width space');
  t.is(check('remarks', 'line one\nline two\ttab').error, undefined, 'a remark keeps its line breaks and tabs');
});

test("the prefecture is one of the 47 or abroad, shown in the reader's language; anything else is refused", (t) => {
  t.deepEqual(check('prefecture', '東京都'), { value: '東京都', error: undefined });
  t.deepEqual(check('prefecture', '海外'), { value: '海外', error: undefined });
  t.is(check('prefecture', 'Tokyo').error, 'form.choice');
  const [prefecture] = only(['prefecture']);
  const t18 = ((key: string) => key) as unknown as Parameters<typeof displayValue>[0];
  t.is(displayValue(t18, tenant(), 'en', prefecture as FieldDef, '大阪府'), 'Osaka');
  t.is(displayValue(t18, tenant(), 'ja', prefecture as FieldDef, '大阪府'), '大阪府');
  t.is(prefecture?.autocomplete, 'address-level1', 'a phone fills it in');
});
