// The generated applications. A fixed set covers every access rule, every type of the spec's
// EnumApplicationType and every protocol of EnumApplicationProtocol (OPENID_CONNECT, SAML, WS_FED,
// EXTERNAL_LINK); extra apps, if asked for, are random.
import type { SimApplication, SimApplicationProtocol, SimApplicationType } from './directory-records';
import type { GroupLayout } from './directory-groups';
import { Random, pickOne, pickSome, randomInt, randomUuid } from './random';

export interface ApplicationShape {
  total: number;
  /** Adds an ADMIN_USERS_ONLY app with no group rule: every user is a candidate for the role check. */
  adminOnlyUnrestrictedApp: boolean;
  /** Share of random apps without a group rule. */
  unrestrictedShare: number;
}

export function makeApplications(random: Random, layout: GroupLayout, shape: ApplicationShape): SimApplication[] {
  const app = (name: string, type: SimApplicationType, protocol: SimApplicationProtocol, rest: Partial<SimApplication> = {}): SimApplication =>
    ({ id: randomUuid(random), name, type, protocol, enabled: true, ...rest });
  const groupRef = (...groups: { id: string }[]) => groups.map((group) => ({ id: group.id }));

  const fixed: SimApplication[] = [
    app('Wiki', 'WEB_APP', 'OPENID_CONNECT'),
    app('Source Control', 'WEB_APP', 'SAML', {
      accessControl: { group: { type: 'ANY_GROUP', groups: groupRef(layout.chainRoot, layout.populationGroup) } },
    }),
    app('Payroll', 'WEB_APP', 'SAML', {
      accessControl: { group: { type: 'ALL_GROUPS', groups: groupRef(layout.otherRoot, layout.chainRoot) } },
    }),
    app('Legacy CRM', 'WEB_APP', 'SAML', { enabled: false }),
    app('Admin Tools', 'SINGLE_PAGE_APP', 'OPENID_CONNECT', {
      accessControl: { role: { type: 'ADMIN_USERS_ONLY' }, group: { type: 'ANY_GROUP', groups: groupRef(layout.adminGroup) } },
    }),
    app('Torii Sync Worker', 'WORKER', 'OPENID_CONNECT'),
    app('PingOne Admin Console', 'PING_ONE_ADMIN_CONSOLE', 'OPENID_CONNECT'),
    app('PingOne Application Portal', 'PING_ONE_PORTAL', 'OPENID_CONNECT'),
    app('PingOne Self-Service - MyAccount', 'PING_ONE_SELF_SERVICE', 'OPENID_CONNECT'),
    app('Expenses', 'WEB_APP', 'SAML'),
    app('Expenses', 'NATIVE_APP', 'OPENID_CONNECT', {
      accessControl: { group: { type: 'ANY_GROUP', groups: groupRef(layout.otherRoot) } },
    }),
    // A client-credentials app with no group rule: nobody signs on to it.
    app('Billing Daemon', 'SERVICE', 'OPENID_CONNECT'),
    app('Intranet', 'CUSTOM_APP', 'WS_FED', {
      accessControl: { group: { type: 'ANY_GROUP', groups: groupRef(layout.chainRoot) } },
    }),
    app('Salesforce', 'TEMPLATE_APP', 'SAML'),
    app('Benefits', 'PORTAL_LINK_APP', 'EXTERNAL_LINK', { homePageUrl: 'https://benefits.example.com/' }),
    // The spec sets no minimum on accessControl.group.groups.
    app('Retired Pilot', 'WEB_APP', 'SAML', { accessControl: { group: { type: 'ANY_GROUP', groups: [] } } }),
  ];
  if (shape.adminOnlyUnrestrictedApp) {
    fixed.push(app('Ops Console', 'WEB_APP', 'OPENID_CONNECT', { accessControl: { role: { type: 'ADMIN_USERS_ONLY' } } }));
  }
  const extras: SimApplication[] = [];
  for (let i = fixed.length; i < shape.total; i++) extras.push(randomApplication(random, layout, i, shape.unrestrictedShare));
  return [...fixed, ...extras];
}

function randomApplication(random: Random, layout: GroupLayout, index: number, unrestrictedShare: number): SimApplication {
  const type = pickOne<SimApplicationType>(random, ['WEB_APP', 'SINGLE_PAGE_APP', 'NATIVE_APP', 'CUSTOM_APP', 'SERVICE', 'TEMPLATE_APP', 'PORTAL_LINK_APP']);
  const protocol: SimApplicationProtocol =
    type === 'PORTAL_LINK_APP' ? 'EXTERNAL_LINK' : type === 'CUSTOM_APP' ? pickOne<SimApplicationProtocol>(random, ['SAML', 'WS_FED']) : type === 'TEMPLATE_APP' ? 'SAML' : 'OPENID_CONNECT';
  const application: SimApplication = { id: randomUuid(random), name: `App ${index + 1}`, type, protocol, enabled: true };
  if (type === 'PORTAL_LINK_APP') application.homePageUrl = `https://app-${index + 1}.example.com/`;
  // The restricted share splits 3:2:1 into ANY_GROUP, ALL_GROUPS and disabled apps.
  const restricted = 1 - unrestrictedShare;
  const roll = random();
  if (roll < restricted * 0.5) {
    const groups = pickSome(random, layout.openGroups, randomInt(random, 1, 3));
    application.accessControl = { group: { type: 'ANY_GROUP', groups: groups.map((group) => ({ id: group.id })) } };
  } else if (roll < restricted * (5 / 6)) {
    const groups = pickSome(random, layout.openGroups, 2);
    application.accessControl = { group: { type: 'ALL_GROUPS', groups: groups.map((group) => ({ id: group.id })) } };
  } else if (roll < restricted) {
    application.enabled = false;
  }
  return application;
}
