import test from 'ava';
import { assurance } from '../src/oidc/acr.ts';

// Requirement X3.6: acr and amr from what the login completed, for every path.
test('each way of logging in earns the acr and amr of what it completed', (t) => {
  const cases = [
    [['pwd', 'kba'], 'urn:cert-idp:acr:password+second-password', ['pwd', 'kba']],
    [['pwd'], 'urn:cert-idp:acr:password', ['pwd']],
    [['hwk', 'user'], 'urn:cert-idp:acr:passkey', ['hwk', 'user']],
    [['saml'], 'urn:cert-idp:acr:saml', ['saml']],
    [['saml', 'mfa'], 'urn:cert-idp:acr:saml', ['saml', 'mfa']],
    [['saml', 'kba'], 'urn:cert-idp:acr:saml+second-password', ['saml', 'kba']],
    [['saml', 'hwk', 'user'], 'urn:cert-idp:acr:saml+passkey', ['saml', 'hwk', 'user']],
  ] as const;
  for (const [methods, acr, amr] of cases) {
    t.deepEqual(assurance(methods), { acr, amr: [...amr] }, methods.join('+'));
  }
});

test('the amr lists each method once, in a fixed order, whatever order they were completed in', (t) => {
  t.deepEqual(assurance(['kba', 'saml', 'kba']).amr, ['saml', 'kba']);
});
