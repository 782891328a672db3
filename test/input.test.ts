// Hostile and broken inputs: each is refused with every bad field named in words, never a crash and
// never the secret quoted back. The sync's and the connection test's schemas share these rules.
import { describeInputProblems, SyncInputSchema } from '../contract/sync';
import { VerifyInputSchema } from '../contract/verify';

const ENV = '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
const CLIENT = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const SECRET = 'Wk3~q9.Zr_x7-Lm2';
const valid = () => ({
  connectionId: 'acme-prod',
  pingOne: { environmentId: ENV, clientId: CLIENT, clientSecret: SECRET },
  torii: { appAccountId: 12345 },
});
const withPingOne = (fields: Record<string, unknown>) => ({ ...valid(), pingOne: { ...valid().pingOne, ...fields } });
const withTorii = (fields: Record<string, unknown>) => ({ ...valid(), torii: { ...valid().torii, ...fields } });
const without = (path: 'connectionId' | 'pingOne' | 'torii' | `pingOne.${string}` | `torii.${string}`) => {
  const input: Record<string, any> = valid();
  const [head, tail] = path.split('.');
  if (tail) delete input[head][tail];
  else delete input[head];
  return input;
};

function problems(schema: typeof SyncInputSchema | typeof VerifyInputSchema, input: unknown): string[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : describeInputProblems(parsed.error);
}

const CASES: [string, unknown, string[]][] = [
  ['null', null, ['must be an object']],
  ['an array', [valid()], ['must be an object']],
  ['a JSON string', JSON.stringify(valid()), ['must be an object']],
  ['missing connectionId', without('connectionId'), ['connectionId: required']],
  ['missing pingOne', without('pingOne'), ['pingOne: required']],
  ['missing torii', without('torii'), ['torii: required']],
  ['missing environmentId and clientSecret', (() => { const i = without('pingOne.environmentId'); delete i.pingOne.clientSecret; return i; })(), ['pingOne.environmentId: required', 'pingOne.clientSecret: required']],
  ['connectionId as a number', { ...valid(), connectionId: 42 }, ['connectionId: must be a string, got number']],
  ['connectionId null', { ...valid(), connectionId: null }, ['connectionId: must be a string, got null']],
  ['connectionId with a slash', { ...valid(), connectionId: 'acme/../prod' }, ['connectionId: must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit']],
  ['connectionId with an RTL override', { ...valid(), connectionId: 'acme\u202Edorp' }, ['connectionId: must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit']],
  ['connectionId of 10,000 characters', { ...valid(), connectionId: 'a'.repeat(10_000) }, ['connectionId: must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit']],
  ['environmentId "abc"', withPingOne({ environmentId: 'abc' }), ['pingOne.environmentId: must be a UUID, got "abc"']],
  ['environmentId with a Cyrillic homoglyph', withPingOne({ environmentId: ENV.replace(/a/g, '\u0430') }), ['pingOne.environmentId: must be a UUID, got 36 characters (not quoted, in case it is a secret), among them \\u{430} at 13, \\u{430} at 21, \\u{430} at 34']],
  ['environmentId with a zero-width space', withPingOne({ environmentId: `${ENV}\u200B` }), ['pingOne.environmentId: must be a UUID, got 37 characters (not quoted, in case it is a secret), among them \\u{200B} at 37']],
  ['clientId behind an RTL override', withPingOne({ clientId: `\u202E${CLIENT}` }), ['pingOne.clientId: must be a UUID, got 37 characters (not quoted, in case it is a secret), among them \\u{202E} at 1']],
  ['clientId with spaces around', withPingOne({ clientId: ` ${CLIENT} ` }), ['pingOne.clientId: must be a UUID, got 38 characters (not quoted, in case it is a secret), among them a space at 1, a space at 38']],
  ['the Client Secret pasted as the Client ID', withPingOne({ clientId: SECRET }), [`pingOne.clientId: must be a UUID, got ${[...SECRET].length} characters (not quoted, in case it is a secret)`]],
  ['a secret pasted as an unknown field name', { ...valid(), [SECRET]: true }, [`unknown field ${[...SECRET].length} characters (not quoted, in case it is a secret): remove it`]],
  ['clientId as an array', withPingOne({ clientId: [CLIENT] }), ['pingOne.clientId: must be a string, got array']],
  ['clientId of a megabyte', withPingOne({ clientId: 'f'.repeat(1_000_000) }), ['pingOne.clientId: must be a UUID, got 1000000 characters (not quoted, in case it is a secret)']],
  ['empty secret', withPingOne({ clientSecret: '' }), ['pingOne.clientSecret: must not be empty (the Worker app’s Client Secret)']],
  ['secret with a trailing newline', withPingOne({ clientSecret: `${SECRET}\n` }), ['pingOne.clientSecret: must not start or end with spaces or line breaks (a copy-paste slip?)']],
  ['secret with a control character inside', withPingOne({ clientSecret: `${SECRET.slice(0, 4)}\u0000${SECRET.slice(4)}` }), ['pingOne.clientSecret: must not contain control characters']],
  ['secret of 5,000 characters', withPingOne({ clientSecret: 's'.repeat(5000) }), ['pingOne.clientSecret: must be at most 1024 characters']],
  ['secret as a number', withPingOne({ clientSecret: 123456 }), ['pingOne.clientSecret: must be a string, got number']],
  ['empty Token URL', withPingOne({ tokenUrl: '' }), ['pingOne.tokenUrl: must not be empty; leave it out to use the environment’s own Token URL']],
  ['Token URL as an object', withPingOne({ tokenUrl: { href: 'https://auth.pingone.eu/x/as/token' } }), ['pingOne.tokenUrl: must be a URL string, got object']],
  ['Token URL of 3,000 characters', withPingOne({ tokenUrl: `https://auth.pingone.com/${'x'.repeat(3000)}/as/token` }), ['pingOne.tokenUrl: must be at most 2048 characters']],
  ['negative app account', withTorii({ appAccountId: -3 }), ['torii.appAccountId: must be a positive app account id']],
  ['zero app account', withTorii({ appAccountId: 0 }), ['torii.appAccountId: must be a positive app account id']],
  ['fractional app account', withTorii({ appAccountId: 12.5 }), ['torii.appAccountId: must be a whole number']],
  ['app account as a string', withTorii({ appAccountId: '12345' }), ['torii.appAccountId: must be a number, got string']],
  ['app account NaN', withTorii({ appAccountId: NaN }), ['torii.appAccountId: must be a number, got NaN']],
  ['app account beyond safe integers', withTorii({ appAccountId: 2 ** 60 }), ['torii.appAccountId: is too large for an app account id']],
  ['empty Torii API key', withTorii({ apiKey: '' }), ['torii.apiKey: must not be empty (a Torii API key)']],
  ['torii null', { ...valid(), torii: null }, ['torii: must be an object']],
  ['unknown top-level field', { ...valid(), clientSecret: SECRET }, ['unknown field "clientSecret": remove it']],
  ['unknown fields inside pingOne', withPingOne({ region: 'EU', scope: 'all' }), ['pingOne: unknown fields "region", "scope": remove them']],
  ['a __proto__ key from JSON', JSON.parse(`{"connectionId":"acme","pingOne":${JSON.stringify(valid().pingOne)},"torii":{"appAccountId":1},"__proto__":{"admin":true}}`), ['unknown field "__proto__": remove it']],
  ['options.dryRun as "yes"', { ...valid(), options: { dryRun: 'yes' } }, ['options.dryRun: must be true or false']],
  ['options as an array', { ...valid(), options: [] }, ['options: must be an object']],
  ['several problems at once', { connectionId: '', pingOne: { environmentId: 'abc', clientId: CLIENT, clientSecret: '' }, torii: { appAccountId: -1 } }, [
    'connectionId: must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    'pingOne.environmentId: must be a UUID, got "abc"',
    'pingOne.clientSecret: must not be empty (the Worker app’s Client Secret)',
    'torii.appAccountId: must be a positive app account id',
  ]],
];

describe('malformed sync inputs', () => {
  it('accepts the valid input the cases start from', () => {
    expect(problems(SyncInputSchema, valid())).toEqual([]);
  });

  it.each(CASES)('%s', (_name, input, expected) => {
    const found = problems(SyncInputSchema, input);
    expect(found).toEqual(expected);
    expect(found.join('\n')).not.toContain(SECRET.slice(0, 8));
  });

  it('has at least 25 of them', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });
});

describe('malformed connection test inputs', () => {
  it('applies the same rules to connectionId and pingOne, and wants nothing else', () => {
    const { torii: _torii, ...verify } = valid();
    expect(problems(VerifyInputSchema, verify)).toEqual([]);
    expect(problems(VerifyInputSchema, { ...verify, pingOne: { ...verify.pingOne, clientSecret: ' x' }, torii: {} })).toEqual([
      'pingOne.clientSecret: must not start or end with spaces or line breaks (a copy-paste slip?)',
      'unknown field "torii": remove it',
    ]);
  });
});
