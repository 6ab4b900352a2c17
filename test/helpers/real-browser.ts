import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type * as oidc from 'openid-client';
import { generate } from 'otplib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { registerClient } from '../../src/admin/clients.ts';
import { configureTenant, type TenantSettings } from '../../src/admin/tenants.ts';
import { freePort } from '../../src/dev/free-port.ts';
import { type SamlTestUser, type SimpleSamlPhp, startSimpleSamlPhp } from '../../src/dev/simplesamlphp.ts';
import { relyingParty } from './relying-party.ts';
import { seedSamlUniversity } from './saml-student.ts';
import { seedUniversity, startTestService, type TestService } from './service.ts';

// The minified build: injected into every screen, where parsing it is most of axe's cost.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shotsRoot = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

// The phone is 360 px wide, the narrowest common Android width (issue 28 item 8).
export const VIEWPORTS = {
  phone: { width: 360, height: 780, isMobile: true, hasTouch: true },
  desktop: { width: 1280, height: 800, isMobile: false, hasTouch: false },
} as const;
export type Viewport = keyof typeof VIEWPORTS;

/** Debian's Chromium, headless, with no background network (the machine has none). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function newContext(browser: Browser, viewport: Viewport, lang: 'ja' | 'en'): Promise<BrowserContext> {
  const { width, height, isMobile, hasTouch } = VIEWPORTS[viewport];
  // bypassCSP only lets the test inject axe-core; the pages themselves run under their CSP.
  return browser.newContext({
    viewport: { width, height },
    isMobile,
    hasTouch,
    locale: lang === 'ja' ? 'ja-JP' : 'en-US',
    bypassCSP: true,
  });
}

export interface SeriousViolation {
  id: string;
  impact: string;
  nodes: number;
}

/**
 * The axe-core rules whose outcome can differ between the Japanese and the English page: they read the
 * text (names, labels, titles, headings) or the language attributes. The rest (contrast, structure,
 * ARIA, target size) see the same markup and styles in both, so the English walk runs only these and
 * the suite does not pay twice for the slowest ones (color-contrast alone is about half of axe's time).
 */
const TEXT_RULES = [
  'document-title',
  'html-has-lang',
  'html-lang-valid',
  'html-xml-lang-mismatch',
  'valid-lang',
  'label',
  'label-title-only',
  'button-name',
  'input-button-name',
  'link-name',
  'select-name',
  'empty-heading',
  'empty-table-header',
  'image-alt',
  'input-image-alt',
  'role-img-alt',
  'svg-img-alt',
  'aria-command-name',
  'aria-input-field-name',
  'aria-toggle-field-name',
  'aria-dialog-name',
  'summary-name',
  'frame-title',
];

/**
 * Walks a journey screen by screen: a numbered full-page screenshot and an axe-core check of each
 * (every rule in Japanese, the service's default language; the text rules in English, unless `allRules`:
 * a walk whose screens are not also walked in Japanese at that size).
 */
export class Journey {
  private step = 0;
  readonly violations: Array<{ screen: string } & SeriousViolation> = [];
  readonly dir: string;
  readonly page: Page;

  private readonly allRules: boolean;

  constructor(page: Page, name: string, lang: string, viewport: string, options: { allRules?: boolean } = {}) {
    this.page = page;
    this.allRules = options.allRules ?? lang === 'ja';
    this.dir = join(shotsRoot, name, `${lang}-${viewport}`);
    // A run's pictures only: a screen renamed or dropped since the last run leaves no stale file.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** `external`: a page that is not ours (the university's sign-in): pictured, not checked. */
  async screen(name: string, options: { external?: boolean } = {}): Promise<void> {
    this.step++;
    const path = join(this.dir, `${String(this.step).padStart(2, '0')}-${name}.png`);
    // Chromium now and then refuses a capture while the machine is busy ("Unable to capture screenshot").
    for (let attempt = 1; ; attempt++) {
      try {
        await this.page.screenshot({ path, fullPage: true });
        break;
      } catch (error) {
        if (attempt === 3 || !/Unable to capture screenshot/.test(String(error))) throw error;
        await this.page.waitForTimeout(300);
      }
    }
    if (options.external) return;
    // Every screen of ours fits the width: nothing to scroll sideways on a phone (issue 28 item 8).
    const overflow = await this.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) this.violations.push({ screen: name, id: 'horizontal-scroll', impact: `${overflow}px`, nodes: 1 });
    await this.page.addScriptTag({ content: axeSource });
    const only = this.allRules ? undefined : { runOnly: { type: 'rule', values: TEXT_RULES } };
    const result = (await this.page.evaluate(
      (options) =>
        (globalThis as unknown as { axe: { run: (context: Document, options: object) => Promise<unknown> } }).axe.run(
          document,
          options ?? {},
        ),
      only,
    )) as {
      violations: Array<{ id: string; impact: string; nodes: unknown[] }>;
    };
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical')
        this.violations.push({ screen: name, id: v.id, impact: v.impact, nodes: v.nodes.length });
    }
  }
}

/** A minimal relying-party landing page on a free loopback port, for browser journeys to end at. */
export async function landingPage(): Promise<{ callback: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Relying party</title><main><h1>Relying party</h1></main></html>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as { port: number };
  return { callback: `http://127.0.0.1:${port}/callback`, close: () => new Promise((done) => server.close(() => done())) };
}

export interface BrowserSuite {
  service: TestService;
  browser: Browser;
  rp: oidc.Configuration;
  landing: Awaited<ReturnType<typeof landingPage>>;
  /** The university's sign-in, when the suite has students (`saml`). */
  ssp?: SimpleSamlPhp;
  /**
   * Settled once the suite's set-up is done: a test file's own before hook awaits it before it uses
   * the university (ava runs before hooks at the same time).
   */
  ready: Promise<void>;
}

/**
 * A test file's shared set-up: the service with a seeded university, a relying party whose callback
 * is a real page, and Chromium. Filled in by ava's before hook, torn down after.
 */
export function browserSuite(
  name: string,
  options: {
    localhost?: boolean;
    overrides?: Record<string, unknown>;
    /** Students signing in at a SimpleSAMLphp of their own, and whether the university wants a second password. */
    saml?: { students: SamlTestUser[]; secondPassword?: boolean };
    /** The university's settings beyond the seed (src/admin/tenants.ts). */
    tenant?: TenantSettings;
  } = {},
): BrowserSuite {
  const suite = {} as BrowserSuite;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  suite.ready = promise;
  // A failed set-up is reported by its own hook; the rejection only releases hooks that wait for it.
  promise.catch(() => {});
  test.before(async () => {
    try {
      await setUp();
      resolve();
    } catch (error) {
      reject(error);
      throw error;
    }
  });
  async function setUp() {
    // WebAuthn wants a host name, not an address: "localhost" is a secure context and a valid RP id.
    const port = options.localhost ? await freePort() : 0;
    const where = options.localhost ? { port, issuer: `http://localhost:${port}` } : {};
    suite.service = await startTestService(name, { ...where, ...options.overrides });
    if (options.saml) {
      suite.ssp = await startSimpleSamlPhp(options.saml.students);
      await seedSamlUniversity(suite.service, suite.ssp, 'test-univ', { secondPassword: options.saml.secondPassword });
    } else {
      await seedUniversity(suite.service);
    }
    if (options.tenant) await configureTenant('test-univ', options.tenant);
    suite.landing = await landingPage();
    const client = await registerClient({
      tenantId: 'test-univ',
      name: 'Certificate front end',
      redirectUris: [suite.landing.callback],
    });
    suite.rp = await relyingParty(suite.service.issuer, client.clientId, client.clientSecret);
    suite.browser = await launchChromium();
  }
  test.after.always(async () => {
    await suite.browser?.close();
    await suite.landing?.close();
    await suite.ssp?.stop();
    await suite.service?.stop();
  });
  return suite;
}

/**
 * A staff member's first sign-in in the browser: password, then the code of the authenticator enrolled
 * on the spot (its secret read off the page); resolves on the page the console opens at (`landing`).
 */
export async function firstStaffSignIn(page: Page, issuer: string, email: string, lang: 'ja' | 'en', landing: RegExp) {
  await page.goto(`${issuer}/t/test-univ/staff/login?lang=${lang}`);
  await page.fill('#email', email);
  await page.fill('#password', 'StaffPass2026x');
  await Promise.all([page.waitForURL(/\/staff\/enrol$/), page.click('button.primary')]);
  const secret = (await page.textContent('[data-secret]')) as string;
  await page.fill('#code', await generate({ secret }));
  await Promise.all([page.waitForURL(landing), page.click('button.primary')]);
}
