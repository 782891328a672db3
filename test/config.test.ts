// The worker's environment: defaults, and one readable line per bad variable.
import { ConfigError, loadConfig } from '../contract/config';

describe('worker configuration', () => {
  it('has working defaults for an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'pingone-torii-sync',
      TORII_API_URL: 'https://api.toriihq.com/v1.0',
      PINGONE_ALLOWED_HOSTS: [],
    });
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
  });

  it('takes PingOne and Torii URLs over https only', () => {
    expect(() => loadConfig({ TORII_API_URL: 'http://api.toriihq.com/v1.0' })).toThrow('TORII_API_URL: must be an https URL like https://api.toriihq.com/v1.0');
    expect(() => loadConfig({ PINGONE_API_URL: 'http://localhost:4010/v1' })).toThrow('PINGONE_API_URL: must be an https URL like https://api.pingone.eu/v1');
  });

  it('lists every bad variable on its own line', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ TEMPORAL_ADDRESS: 'http://x', DATABASE_URL: 'mysql://x', TORII_API_URL: 'ftp://x', PINGONE_ALLOWED_HOSTS: 'ok.example.com, bad host', HTTP_TIMEOUT_MS: '-5' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      'TEMPORAL_ADDRESS: must be host:port, like localhost:7233',
      'DATABASE_URL: must be a PostgreSQL URL like postgresql://user:password@host:5432/db; leave it unset for the embedded store',
      'TORII_API_URL: must be an https URL like https://api.toriihq.com/v1.0',
      'PINGONE_ALLOWED_HOSTS: must be a comma-separated list of host or host:port entries',
      'HTTP_TIMEOUT_MS: must be positive (milliseconds)',
    ]);
  });
});
