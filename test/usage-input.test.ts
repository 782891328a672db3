// options.applicationAccounts is refused in words naming the field and the fix: ids that are not
// ids, an application or an app account mapped twice, or the main app account reused; and the
// worker's usage settings (PINGONE_USAGE_ACTION_TYPES, PINGONE_AUDIT_REQUESTS_PER_SECOND) likewise.
import { ConfigError, loadConfig } from '../contract/config';
import { describeInputProblems, SyncInputSchema } from '../contract/sync';

const APP_A = '1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b';
const APP_B = '2c3d4e5f-6071-4829-9bac-1d2e3f4a5b6c';
const input = (applicationAccounts: unknown) => ({
  connectionId: 'acme-prod',
  pingOne: { environmentId: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', clientId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', clientSecret: 'Wk3~q9.Zr_x7-Lm2' },
  torii: { appAccountId: 12345 },
  options: { applicationAccounts },
});
const problems = (raw: unknown) => {
  const parsed = SyncInputSchema.safeParse(raw);
  return parsed.success ? [] : describeInputProblems(parsed.error);
};

describe('options.applicationAccounts', () => {
  it('accepts distinct applications on distinct app accounts of their own', () => {
    expect(problems(input([{ pingOneApplicationId: APP_A, toriiAppAccountId: 7001 }, { pingOneApplicationId: APP_B, toriiAppAccountId: 7002 }]))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['not an array', { pingOneApplicationId: APP_A, toriiAppAccountId: 7001 }, ['options.applicationAccounts: must be an array of { pingOneApplicationId, toriiAppAccountId }']],
    ['an application id that is not a UUID', [{ pingOneApplicationId: 'slack', toriiAppAccountId: 7001 }], ['options.applicationAccounts.0.pingOneApplicationId: must be a PingOne application id (a UUID), got "slack"']],
    ['an app account id as a string', [{ pingOneApplicationId: APP_A, toriiAppAccountId: '7001' }], ['options.applicationAccounts.0.toriiAppAccountId: must be a number, got string']],
    ['an unknown field', [{ pingOneApplicationId: APP_A, toriiAppAccountId: 7001, name: 'Slack' }], ['options.applicationAccounts.0: unknown field "name": remove it']],
    [
      'one application twice (any case)',
      [{ pingOneApplicationId: APP_A, toriiAppAccountId: 7001 }, { pingOneApplicationId: APP_A.toUpperCase(), toriiAppAccountId: 7002 }],
      [`options.applicationAccounts.1.pingOneApplicationId: maps application ${APP_A.toUpperCase()} again (already at index 0): map each application once`],
    ],
    [
      'one app account twice',
      [{ pingOneApplicationId: APP_A, toriiAppAccountId: 7001 }, { pingOneApplicationId: APP_B, toriiAppAccountId: 7001 }],
      ['options.applicationAccounts.1.toriiAppAccountId: app account 7001 is already used at index 0: give each application its own app account'],
    ],
    [
      'the main app account',
      [{ pingOneApplicationId: APP_A, toriiAppAccountId: 12345 }],
      ['options.applicationAccounts.0.toriiAppAccountId: is the main app account (torii.appAccountId 12345): give the application an app account of its own'],
    ],
  ])('refuses %s', (_what, accounts, expected) => {
    expect(problems(input(accounts))).toEqual(expected);
  });
});

describe('the usage read’s worker settings', () => {
  // loadConfig needs the encryption keys every worker needs; any valid value will do here.
  const base = { SYNC_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('defaults to USER.ACCESS_ALLOWED at 4 audit requests per second', () => {
    expect(loadConfig(base)).toMatchObject({ PINGONE_USAGE_ACTION_TYPES: ['USER.ACCESS_ALLOWED'], PINGONE_AUDIT_REQUESTS_PER_SECOND: 4 });
    expect(loadConfig({ ...base, PINGONE_USAGE_ACTION_TYPES: 'USER.ACCESS_ALLOWED, FLOW.UPDATED' }).PINGONE_USAGE_ACTION_TYPES).toEqual(['USER.ACCESS_ALLOWED', 'FLOW.UPDATED']);
  });

  it('refuses action types that are not PingOne audit types and a budget above PingOne’s audit limit', () => {
    expect(problemsOf({ PINGONE_USAGE_ACTION_TYPES: 'sign-on' })).toEqual(['PINGONE_USAGE_ACTION_TYPES: must be comma-separated PingOne audit action types like USER.ACCESS_ALLOWED']);
    expect(problemsOf({ PINGONE_AUDIT_REQUESTS_PER_SECOND: '25' })).toEqual(['PINGONE_AUDIT_REQUESTS_PER_SECOND: must be at most 10 (PingOne’s audit limit per license)']);
  });
});
