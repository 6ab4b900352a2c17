import test from 'ava';
import mongoose from 'mongoose';
import type { Account } from '../src/db/models/account.ts';
import { accountClaims } from '../src/oidc/claims.ts';

// Unit tests of the claim rules (OpenID Connect Core 5.2 and 5.3.2), no service needed.
const account = (studentIds: Array<Partial<Account['studentIds'][number]>>) =>
  ({
    _id: new mongoose.Types.ObjectId(),
    tenantId: 'u',
    kind: 'student',
    email: 'a@example.com',
    emailVerified: true,
    name: { kanji: { family: '山田', given: '' }, kana: { family: '', given: '' }, roman: { family: '', given: '' } },
    birthdate: '',
    sex: '',
    locale: 'ja',
    studentIds,
  }) as unknown as Account;

const UNIVERSITY = { ja: '東都大学', en: 'Toto University' };

test('a student ID without department, subject or graduation carries none of them, not empty strings', (t) => {
  const claims = accountClaims(
    account([{ number: 'A1', university: '', department: '', subject: '', graduation: '', status: 'enrolled' }]),
    UNIVERSITY,
  );
  t.deepEqual(claims.student_ids, [
    { number: 'A1', university: '東都大学', 'university#ja': '東都大学', 'university#en': 'Toto University', status: 'enrolled' },
  ]);
  t.is(claims.given_name, undefined, 'an empty given name is left out too');
  t.is(claims.family_name, '山田');
});

test("a relying party reading English gets the catalogue's English names, else the university's own", (t) => {
  const claims = accountClaims(
    account([
      {
        number: 'B1',
        university: '東都大学',
        department: '理学部',
        en: { university: 'Toto Univ.', department: 'Science', subject: '' },
      },
      { number: 'B2', university: '東都大学', department: '文学部', en: { university: '', department: '', subject: '' } },
    ]),
    UNIVERSITY,
  );
  const [first, second] = claims.student_ids as Array<Record<string, string>>;
  t.is(first?.['university#en'], 'Toto Univ.');
  t.is(first?.['department#en'], 'Science');
  t.false('subject#en' in (first ?? {}));
  t.is(second?.['university#en'], 'Toto University');
  t.false('department#en' in (second ?? {}), 'no English name invented where the catalogue has none');
});
