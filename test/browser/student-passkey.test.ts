import test from 'ava';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { AccountModel } from '../../src/db/models/account.ts';
import { PasskeyModel } from '../../src/db/models/passkey.ts';
import type { SamlTestUser } from '../../src/dev/simplesamlphp.ts';
import { browserSuite, Journey, newContext } from '../helpers/real-browser.ts';

const student: SamlTestUser = {
  username: 's-passkey',
  password: 'campus-passkey',
  attributes: {
    uid: ['s-passkey'],
    studentNumber: ['P0000001'],
    jasn: ['山田'],
    jaGivenName: ['花子'],
    eduPersonAffiliation: ['student'],
  },
};

// WebAuthn wants a host name: the service runs on localhost.
const suite = browserSuite('browser-student-passkey', {
  localhost: true,
  saml: { students: [student], secondPassword: true },
  tenant: { studentPasskey: true },
});

/** Through the university's sign-in to the first step after it; returns how to read the ID token at the end. */
async function signInAtUniversity(page: Page) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(suite.rp, {
    redirect_uri: suite.landing.callback,
    scope: 'openid',
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  await page.goto(url.href);
  await Promise.all([page.waitForURL(/localhost:\d+\/module\.php/), page.click('.student-login a.button')]);
  await page.fill('input[name=username]', student.username);
  await page.fill('input[name=password]', student.password);
  await Promise.all([page.waitForURL(/\/interaction\/[^/]+\/continue/), page.press('input[name=password]', 'Enter')]);
  return async () => {
    await page.waitForURL((u) => u.href.startsWith(suite.landing.callback));
    const tokens = await oidc.authorizationCodeGrant(suite.rp, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return tokens.claims();
  };
}

test.serial('a student confirms the university sign-in with a passkey instead of a second password', async (t) => {
  const context = await newContext(suite.browser, 'phone', 'ja');
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const journey = new Journey(page, 'student-passkey', 'ja', 'phone');

  // First login: the mail address step (tested in the student journey) is taken as done here.
  let finish = await signInAtUniversity(page);
  await AccountModel.updateOne({ kind: 'student' }, { $set: { emailVerified: true, email: 's-passkey@example.com' } });
  await page.reload();
  await page.waitForSelector('[data-passkey-registration]:not([hidden])');
  t.is(await page.$('#secondPassword'), null, 'no second password is asked');
  await journey.screen('student-passkey-register');
  await page.click('button.primary');
  let claims = await finish();
  t.is(claims?.acr, 'urn:cert-idp:acr:saml+passkey');
  t.deepEqual(claims?.amr, ['saml', 'hwk', 'user']);
  t.is(await PasskeyModel.countDocuments({ accountId: claims?.sub }), 1);

  // Every later login: the university's sign-in, then the passkey.
  await context.clearCookies();
  finish = await signInAtUniversity(page);
  await page.waitForSelector('.passkey-login:not([hidden])');
  await journey.screen('student-passkey-confirm');
  await page.click('.passkey-button');
  claims = await finish();
  t.is(claims?.acr, 'urn:cert-idp:acr:saml+passkey');
  t.deepEqual(journey.violations, []);
  await context.close();
});
