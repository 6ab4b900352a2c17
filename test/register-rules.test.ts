import test from 'ava';
import { guessMapping, readRegister, registerRows } from '../src/admin/register-csv.ts';
import { escapeRegex } from '../src/db/regex.ts';
import { differences, kanaKey, kanjiFormsPattern, kanjiKey, likeness, romanKey } from '../src/text/likeness.ts';
import { typedDay, typedMonth } from '../src/text/typed-date.ts';

// Issue 27: the rules by which a reviewer's register check folds the ways people write the same thing.
// Pure functions: no service needed.

test('a name written with old kanji forms, in other widths or spacing, is the same name, and close rather than a match', (t) => {
  t.is(kanjiKey('髙橋 齋藤'), kanjiKey('高橋斎藤'));
  t.is(kanjiKey('濱田　惠'), kanjiKey('浜田 恵'));
  t.is(likeness('kanji', '山田 花子', '山田 花子'), 'match');
  t.is(likeness('kanji', '山田　花子', '山田 花子'), 'match', 'a full-width space is a space');
  t.is(likeness('kanji', '髙橋 花子', '高橋 花子'), 'close');
  t.is(likeness('kanji', '山田花子', '山田 花子'), 'close', 'without the space');
  t.is(likeness('kanji', '山田 花子', '佐藤 一郎'), 'differs');
});

test('a search for a kanji name finds it in its old and new forms alike', (t) => {
  const pattern = new RegExp(`^${kanjiFormsPattern('高橋 斎藤', escapeRegex)}$`, 'u');
  for (const stored of ['高橋 斎藤', '髙橋 齋藤', '高橋 齋藤']) t.regex(stored, pattern);
  t.notRegex('高梨 斎藤', pattern);
  t.is(kanjiFormsPattern('a.b', escapeRegex), 'a\\.b', 'everything else stays literal');
});

test('kana in either script or half-width is one name; a one-letter slip is close, two are not', (t) => {
  t.is(kanaKey('ヤマダ ハナコ'), kanaKey('やまだはなこ'));
  t.is(kanaKey('ﾔﾏﾀﾞ ﾊﾅｺ'), kanaKey('ヤマダ ハナコ'));
  t.is(likeness('kana', 'やまだ はなこ', 'ヤマダ ハナコ'), 'close');
  t.is(likeness('kana', 'ヤマダ ハナヨ', 'ヤマダ ハナコ'), 'close', 'one letter apart');
  t.is(likeness('kana', 'ヤマモト ハナヨ', 'ヤマダ ハナコ'), 'differs');
});

test('roman names differ in case, marks and how long vowels are written, and are still one name', (t) => {
  for (const written of ['Satō Yūko', 'SATOU YUUKO', 'Satoh Yuko', 'sato yuko', 'Sato-Yuko']) {
    t.is(romanKey(written), 'satoyuko', written);
  }
  t.is(likeness('roman', 'SATO YUKO', 'Sato Yuko'), 'match', 'case alone is no difference');
  t.is(likeness('roman', 'Satou Yuuko', 'Sato Yuko'), 'close');
  t.is(romanKey('Ohno'), 'ono');
  t.is(romanKey('Kohei'), 'kohei', 'an h before a vowel is a consonant');
});

test('dates in the forms people use, the Japanese eras among them, are one date', (t) => {
  for (const typed of [
    '1995/04/01',
    '1995/4/1',
    '1995-04-01',
    '19950401',
    '１９９５／４／１',
    '1995年4月1日',
    '平成7年4月1日',
    'H7.4.1',
    'h7/4/1',
  ]) {
    t.is(typedDay(typed), '1995-04-01', typed);
  }
  t.is(typedDay('昭和元年12月25日'), '1926-12-25');
  t.is(typedDay('令和元年5月1日'), '2019-05-01');
  t.is(typedDay('平成7年2月30日'), undefined, 'not a day of the calendar');
  t.is(typedMonth('平成27年3月'), '2015-03');
  t.is(likeness('date', '1995/04/01', '1995-04-01'), 'close');
  t.is(likeness('date', '1995/04/02', '1995-04-01'), 'differs', 'a date one day off is not close');
});

test('the difference of a close value is marked letter by letter', (t) => {
  t.deepEqual(differences('山田 花子', '山田 華子'), [
    { text: '山田 ', differs: false },
    { text: '華', differs: true },
    { text: '子', differs: false },
  ]);
});

test('a register file is read by its Japanese headings, names split in two columns joined, and each bad row refused with why', (t) => {
  const text = [
    '学籍番号,姓,名,セイ,メイ,生年月日,学部,学科,卒業年月日,区分',
    'a0123456,山田,花子,ヤマダ,ハナコ,平成7年4月1日,理学部,物理学科,2018/3/20,卒業',
    'B0000002,佐藤,一郎,サトウ,イチロウ,1995-13-01,理学部,化学科,2018/3/20,卒業',
    ',鈴木,次郎,スズキ,ジロウ,1996/1/1,理学部,化学科,2018/3/20,卒業',
    'A0123456,山田,花代,ヤマダ,ハナヨ,1995/4/1,理学部,物理学科,2018/3/20,卒業',
    'C0000003,田中,三郎,タナカ,サブロウ,1994/5/5,文学部,史学科,2016/9/30,転学',
  ].join('\r\n');
  const read = registerRows(text);
  if (!('rows' in read)) return t.fail('readable');
  const mapping = guessMapping(read.rows[0] as string[]);
  t.deepEqual(mapping.nameKanji, [1, 2], 'family and given name columns');
  t.deepEqual(mapping.nameKana, [3, 4]);
  const { records, problems } = readRegister(read.rows, mapping);
  t.is(records.length, 1);
  t.like(records[0], {
    studentId: 'A0123456',
    nameKanji: '山田 花子',
    nameKana: 'ヤマダ ハナコ',
    birthdate: '1995-04-01',
    leftOn: '2018-03-20',
    leaveKind: 'graduated',
  });
  t.deepEqual(
    problems.map((p) => [p.line, p.key]),
    [
      [3, 'birthdate'],
      [4, 'studentIdMissing'],
      [5, 'duplicate'],
      [6, 'leaveKind'],
    ],
  );
});
