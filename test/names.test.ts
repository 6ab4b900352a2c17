import test from 'ava';
import { nameFits } from '../src/text/names.ts';

// Requirement X3.4: each name field takes the scripts names are written in, and nothing else.
test('the kanji name takes kanji, kana, the iteration marks, Latin letters and one space of either width', (t) => {
  for (const name of [
    '山田 太郎',
    '佐々木　花子',
    'さとう はなこ',
    'スミス ジョン',
    'Smith John',
    '木ノ下 ゝゞ子',
    'ヴァレリー アン・マリー',
  ]) {
    t.true(nameFits('name', name), name);
  }
  for (const name of ['検証 花子😀', '山田太郎', '山田  太郎', '山田 ☆太郎', '山田 太郎1', '山田\t太郎'])
    t.false(nameFits('name', name), name);
});

test('the katakana name takes katakana and the long-vowel mark only', (t) => {
  t.true(nameFits('kana', 'ヤマダ タロウ'));
  t.true(nameFits('kana', 'サトウ　ユーコ'));
  for (const name of ['やまだ たろう', '山田 タロウ', 'ヤマダ タロウ😀', 'YAMADA Taro']) t.false(nameFits('kana', name), name);
});

test('the roman name takes Latin letters, hyphen and apostrophe with one half-width space', (t) => {
  for (const name of ["O'NEIL Mary-Ann", 'YAMADA Taro']) t.true(nameFits('roman', name), name);
  for (const name of ['YAMADA　Taro', 'Yamada 太郎', 'YAMADA Taro😀', '-YAMADA Taro']) t.false(nameFits('roman', name), name);
});
