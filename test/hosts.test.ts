// Region mapping and the host policy, without a server.
import { resolveEndpoints, checkPingOneUrl, HostRefusedError } from '../activities/pingone/hosts';

const env = '3a7b1c2d-1111-4222-8333-444455556666';
const noExtras = { allowedHosts: [] };

describe('PingOne hosts', () => {
  it.each([
    ['com', 'NA'],
    ['eu', 'EU'],
    ['ca', 'CA'],
    ['com.au', 'AU'],
    ['sg', 'SG'],
    ['asia', 'AP'],
  ])('maps auth.pingone.%s to api.pingone.%s/v1 (%s)', (tld, region) => {
    const resolved = resolveEndpoints({ environmentId: env, tokenUrl: `https://auth.pingone.${tld}/${env}/as/token` }, noExtras);
    expect(resolved).toMatchObject({ tokenUrl: `https://auth.pingone.${tld}/${env}/as/token`, apiBaseUrl: `https://api.pingone.${tld}/v1`, region });
  });

  it('defaults to North America, and PINGONE_AUTH_URL replaces the auth base', () => {
    expect(resolveEndpoints({ environmentId: env }, noExtras)).toMatchObject({ tokenUrl: `https://auth.pingone.com/${env}/as/token`, apiBaseUrl: 'https://api.pingone.com/v1' });
    expect(resolveEndpoints({ environmentId: env }, { allowedHosts: [], authBaseUrl: 'https://auth.pingone.eu' })).toMatchObject({ apiBaseUrl: 'https://api.pingone.eu/v1', region: 'EU' });
  });

  it('takes the data from environmentId while the token comes from the admin environment', () => {
    const adminEnv = '99999999-1111-4222-8333-444455556666';
    const resolved = resolveEndpoints({ environmentId: env, tokenUrl: `https://auth.pingone.ca/${adminEnv}/as/token` }, noExtras);
    expect(resolved.tokenUrl).toContain(adminEnv);
    expect(resolved.apiBaseUrl).toBe('https://api.pingone.ca/v1');
  });

  it.each([
    ['http://auth.pingone.com/x/as/token', 'must use https'],
    ['https://u:p@auth.pingone.com/x/as/token', 'must not carry a user name or password'],
    ['https://10.0.0.1/x/as/token', 'not an IP address'],
    ['https://[::1]/x/as/token', 'not an IP address'],
    ['https://auth.pingone.evil.com/x/as/token', 'is not a PingOne host'],
    ['https://auth.pingone.com.evil.io/x/as/token', 'is not a PingOne host'],
    ['https://auth.pingone.com:8443/x/as/token', 'must not name a port'],
    ['not a url', 'must be an absolute URL'],
  ])('refuses %s', (tokenUrl, message) => {
    expect(() => resolveEndpoints({ environmentId: env, tokenUrl }, noExtras)).toThrow(message);
    expect(() => resolveEndpoints({ environmentId: env, tokenUrl }, noExtras)).toThrow(HostRefusedError);
  });

  it('allows an operator-listed host, over https only, localhost too', () => {
    expect(checkPingOneUrl('https://sso.example.com/as/token', 'f', { allowedHosts: ['sso.example.com'] }, 'auth').host).toBe('sso.example.com');
    expect(() => checkPingOneUrl('http://sso.example.com/as/token', 'f', { allowedHosts: ['sso.example.com'] }, 'auth')).toThrow('must use https');
    expect(checkPingOneUrl('https://localhost:4010/e/as/token', 'f', { allowedHosts: ['localhost:4010'] }, 'auth').port).toBe('4010');
    expect(() => checkPingOneUrl('http://localhost:4010/e/as/token', 'f', { allowedHosts: ['localhost:4010'] }, 'auth')).toThrow('must use https');
    expect(() => checkPingOneUrl('https://localhost:4011/e/as/token', 'f', { allowedHosts: ['localhost:4010'] }, 'auth')).toThrow('is not a PingOne host');
  });

  it('asks for PINGONE_API_URL when a custom auth domain hides the region', () => {
    expect(() => resolveEndpoints({ environmentId: env, tokenUrl: 'https://sso.example.com/as/token' }, { allowedHosts: ['sso.example.com'] })).toThrow('set PINGONE_API_URL');
  });
});
