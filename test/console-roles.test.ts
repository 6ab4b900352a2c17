import test from 'ava';
import { createTenant } from '../src/admin/tenants.ts';
import type { StaffRole } from '../src/db/models/staff.ts';
import { Browser } from './helpers/browser.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { StaffMember } from './helpers/staff.ts';

// Issue 26: every console route checks the role on the server, and another university's staff reach
// nothing of this one — walked for every route and every lesser role, not sampled.
let service: TestService;
let accountId: string;
let clientId: string;
let memberId: string;
const members = {} as Record<StaffRole | 'stranger', StaffMember>;

test.before(async () => {
  service = await startTestService('console-roles');
  const university = await seedUniversity(service);
  accountId = university.accountId;
  clientId = university.client.id;
  for (const role of ['admin', 'helpdesk', 'auditor', 'reviewer'] as const) {
    members[role] = await StaffMember.create(service, 'test-univ', `${role}@test-univ.example`, [role]);
    await members[role].logIn();
  }
  await createTenant({ id: 'other-roles', nameJa: '他大学', nameEn: 'Other', inquiryJa: '他', inquiryEn: 'Other' });
  members.stranger = await StaffMember.create(service, 'other-roles', 'admin@other-roles.example', ['admin']);
  await members.stranger.logIn();
  memberId = (await members.admin.get('/members')).html.match(
    /href="\/t\/test-univ\/staff\/members\/([0-9a-f]{24})"/,
  )?.[1] as string;
});
test.after.always(() => service?.stop());

/** Every console route, with the roles that may use it. */
const routes = (): Array<{ method: 'GET' | 'POST'; path: string; roles: StaffRole[] }> => {
  const admin: StaffRole[] = ['admin'];
  const desk: StaffRole[] = ['helpdesk', 'admin'];
  const audit: StaffRole[] = ['auditor', 'admin'];
  const review: StaffRole[] = ['reviewer', 'admin'];
  return [
    { method: 'GET', path: '/accounts', roles: desk },
    { method: 'GET', path: `/accounts/${accountId}`, roles: desk },
    { method: 'POST', path: `/accounts/${accountId}/actions/disable`, roles: desk },
    { method: 'GET', path: '/audit', roles: audit },
    { method: 'GET', path: '/audit.csv', roles: audit },
    { method: 'GET', path: '/register', roles: review },
    { method: 'GET', path: '/register/uploads/any', roles: review },
    { method: 'POST', path: '/register/upload', roles: review },
    { method: 'POST', path: '/register/uploads/any', roles: review },
    { method: 'POST', path: '/register/delete', roles: review },
    ...[
      '/settings',
      '/branding',
      '/notes',
      '/terms',
      '/form',
      '/form/catalogue.csv',
      '/idps',
      '/federation',
      '/clients',
      '/members',
    ].map((path) => ({ method: 'GET' as const, path, roles: admin })),
    { method: 'GET', path: `/clients/${clientId}`, roles: admin },
    { method: 'GET', path: `/members/${memberId}`, roles: admin },
    ...[
      '/settings',
      '/branding',
      '/notes',
      '/terms/draft',
      '/terms/publish',
      '/form/items',
      '/form/catalogue',
      '/idps',
      '/idps/campus/disable',
      '/federation/trust',
      '/clients',
      `/clients/${clientId}/disable`,
      '/members/invite',
      `/members/${memberId}/disable`,
    ].map((path) => ({ method: 'POST' as const, path, roles: admin })),
  ];
};

test('no one without the role reaches a console route, and nobody signed out does', async (t) => {
  const anonymous = new Browser();
  for (const route of routes()) {
    const url = `${service.issuer}/t/test-univ/staff${route.path}`;
    const signedOut = await anonymous.request(url, { method: route.method });
    t.is(signedOut.status, 303, `${route.method} ${route.path} signed out`);
    t.regex(signedOut.headers.get('location') ?? '', /\/staff\/login$/);
    for (const role of ['admin', 'helpdesk', 'auditor', 'reviewer'] as const) {
      if (route.roles.includes(role)) continue;
      const member = members[role];
      const response = await member.browser.request(url, { method: route.method });
      t.is(response.status, 403, `${route.method} ${route.path} as ${role}`);
    }
  }
});

test("another university's admin, signed in there, finds none of this university's objects", async (t) => {
  const stranger = members.stranger;
  for (const path of [`/accounts/${accountId}`, `/clients/${clientId}`, `/members/${memberId}`]) {
    t.is((await stranger.browser.request(`${stranger.base}${path}`)).status, 404, path);
  }
  // Their session is for their university: this one's pages ask them to sign in.
  const crossing = await stranger.browser.request(`${service.issuer}/t/test-univ/staff/settings`);
  t.is(crossing.status, 303);
});
