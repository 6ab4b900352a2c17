import test from 'ava';
import type * as oidc from 'openid-client';
import { generate } from 'otplib';
import { createStaff } from '../../src/admin/staff.ts';
import type { StaffRole } from '../../src/db/models/staff.ts';
import { Browser, inputValue } from './browser.ts';
import { relyingParty } from './relying-party.ts';
import { seedUniversity, startTestService, type TestService } from './service.ts';

export interface StaffPage {
  url: string;
  status?: number;
  html: string;
}

/** A university staff member using the console in their own browser. */
export class StaffMember {
  readonly browser = new Browser();
  secret = '';
  readonly service: TestService;
  readonly tenantId: string;
  readonly email: string;
  readonly password = 'StaffPass2026x';

  constructor(service: TestService, tenantId: string, email: string) {
    this.service = service;
    this.tenantId = tenantId;
    this.email = email;
  }

  get base() {
    return `${this.service.issuer}/t/${this.tenantId}/staff`;
  }

  static async create(service: TestService, tenantId: string, email: string, roles?: StaffRole[]): Promise<StaffMember> {
    const member = new StaffMember(service, tenantId, email);
    await createStaff(service.hasher, { tenantId, email, name: '審査 担当', password: member.password, roles });
    return member;
  }

  async get(path: string): Promise<StaffPage> {
    const result = await this.browser.get(`${this.base}${path}`);
    return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
  }

  async post(path: string, page: StaffPage, fields: Record<string, string>): Promise<StaffPage> {
    const result = await this.browser.postForm(`${this.base}${path}`, { _csrf: inputValue(page.html, '_csrf'), ...fields });
    return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
  }

  /** Password, then the code page (enrolment the first time: the secret is read off the page). */
  async signIn(password = this.password): Promise<StaffPage> {
    const login = await this.get('/login');
    return this.post('/login', login, { email: this.email, password });
  }

  async enterCode(page: StaffPage, code?: string): Promise<StaffPage> {
    const shown = page.html.match(/data-secret>([A-Z2-7]+)</)?.[1];
    if (shown) this.secret = shown;
    const path = new URL(page.url).pathname.endsWith('/enrol') ? '/enrol' : '/totp';
    return this.post(path, page, { code: code ?? (await generate({ secret: this.secret })) });
  }

  /** A code of the next time step (accepted for clock drift): a second proof soon after the sign-in's, never the same code. */
  nextCode(): Promise<string> {
    return generate({ secret: this.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
  }

  async logIn(): Promise<StaffPage> {
    return this.enterCode(await this.signIn());
  }

  async decide(applicationId: string, fields: Record<string, string>, query = ''): Promise<StaffPage> {
    const page = await this.get(`/applications/${applicationId}${query}`);
    return this.post(`/applications/${applicationId}/decide`, page, fields);
  }
}

/**
 * A test file's university run from the console: the service, the seeded university's relying party
 * (openid-client) and one staff member with `role`, signed in — set up by ava's before hook, stopped
 * after. The console's test files share it instead of repeating it.
 */
export function consoleUniversity(name: string, role: StaffRole = 'admin') {
  const suite = {} as { service: TestService; rp: oidc.Configuration; staff: StaffMember };
  test.before(async () => {
    suite.service = await startTestService(name);
    const university = await seedUniversity(suite.service);
    suite.rp = await relyingParty(suite.service.issuer, university.client.id, university.client.secret);
    suite.staff = await StaffMember.create(suite.service, 'test-univ', `${role}@test-univ.example`, [role]);
    await suite.staff.logIn();
  });
  test.after.always(() => suite.service?.stop());
  return suite;
}
