import test from 'ava';
import type { SamlIdp } from '../src/db/models/saml.ts';
import { studentProfile } from '../src/login/strategies/student-saml/student-link.ts';
import type { VerifiedAssertion } from '../src/saml/login-response.ts';

// Unit tests of how a verified assertion becomes a student's profile (no IdP, no service needed).
const idp = {
  _id: 'u|campus',
  entityId: 'https://idp.u.ac.jp/idp/shibboleth',
  scopes: ['u.ac.jp'],
  scopeRegexps: [],
  mapping: { subject: 'eduPersonPrincipalName', studentId: 'studentNumber', familyName: 'sn', givenName: 'givenName' },
} as unknown as SamlIdp;

const assertion = (attributes: Record<string, string[]>) =>
  ({
    idp,
    nameId: 'n-1',
    nameIdFormat: '',
    sessionIndex: '',
    assertionId: 'a',
    request: {},
    attributes,
  }) as unknown as VerifiedAssertion;

test('a student whose IdP sends the mapped attributes gets a profile from their first values', (t) => {
  const reading = studentProfile(
    assertion({ eduPersonPrincipalName: ['s1@u.ac.jp'], studentNumber: ['A1'], sn: ['山田'], givenName: ['花子'] }),
  );
  t.like(reading, { profile: { subject: 's1@u.ac.jp', studentId: 'A1', familyName: '山田', givenName: '花子' } });
});

test('a value with a NUL or another control character is refused, not stored', (t) => {
  for (const bad of ['山田\u0000', '山\u0007田', 'Yamada\u009B']) {
    const reading = studentProfile(assertion({ eduPersonPrincipalName: ['s1@u.ac.jp'], studentNumber: ['A1'], sn: [bad] }));
    t.like(reading, { refusal: 'characters' }, JSON.stringify(bad));
  }
});

test('an identifier of another domain than the IdP declares is refused; a missing student ID too', (t) => {
  t.like(studentProfile(assertion({ eduPersonPrincipalName: ['s1@elsewhere.jp'], studentNumber: ['A1'] })), { refusal: 'scope' });
  t.like(studentProfile(assertion({ eduPersonPrincipalName: ['s1@u.ac.jp'] })), { refusal: 'attributes' });
});
