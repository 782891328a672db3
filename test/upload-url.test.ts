// Where the Torii file may be sent: a presigned URL must be https to a public host name, never an IP
// literal or a loopback, private or link-local name, and the name must not resolve to such an
// address either; TORII_UPLOAD_ALLOWED_HOSTS is the only exemption, and it never exempts from https.
import type { LookupAddress } from 'node:dns';
import { isPublicAddress, NOT_PUBLIC_CODE, publicOnlyLookup, uploadUrlAllowed } from '../activities/torii/upload-url';

describe('presigned upload URLs', () => {
  it.each([
    'https://torii-uploads.s3.amazonaws.com/files/x.json?X-Amz-Signature=abc',
    'https://storage.googleapis.com/bucket/x.json',
  ])('allows %s', (url) => {
    expect(uploadUrlAllowed(url, [])).toEqual({ allowed: true, exempt: false });
  });

  it.each([
    ['plain http', 'http://torii-uploads.s3.amazonaws.com/x'],
    ['loopback by name', 'https://localhost/x'],
    ['loopback below localhost', 'https://evil.localhost/x'],
    ['loopback IPv4', 'https://127.0.0.1/x'],
    ['loopback written as a number', 'https://2130706433/x'],
    ['loopback IPv6', 'https://[::1]/x'],
    ['a private IPv4', 'https://10.0.0.8/x'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/meta-data/'],
    ['an mDNS link-local name', 'https://printer.local/x'],
    ['a private-use name', 'https://storage.internal/x'],
    ['a single-label name', 'https://storage/x'],
    ['user info', 'https://user:pass@storage.example.com/x'],
    ['not a URL', 'not a url'],
  ])('refuses %s', (_what, url) => {
    expect(uploadUrlAllowed(url, []).allowed).toBe(false);
  });

  it('exempts only hosts listed in TORII_UPLOAD_ALLOWED_HOSTS, port included, and never from https', () => {
    expect(uploadUrlAllowed('https://localhost:4567/presigned/x', ['localhost:4567'])).toEqual({ allowed: true, exempt: true });
    expect(uploadUrlAllowed('https://localhost:4568/presigned/x', ['localhost:4567']).allowed).toBe(false);
    expect(uploadUrlAllowed('http://localhost:4567/presigned/x', ['localhost:4567']).allowed).toBe(false);
  });

  it.each([
    ['127.0.0.1', false], ['10.1.2.3', false], ['172.20.0.1', false], ['192.168.1.1', false], ['169.254.169.254', false],
    ['100.64.0.1', false], ['::1', false], ['fe80::1', false], ['fd00::1', false], ['::ffff:127.0.0.1', false],
    ['93.184.216.34', true], ['2606:2800:220:1:248:1893:25c8:1946', true],
  ])('knows whether %s is public (%s)', (address, publicAddress) => {
    expect(isPublicAddress(address)).toBe(publicAddress);
  });

  it('resolves a name only to public addresses: localhost resolves to none', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', {}, (err: NodeJS.ErrnoException | null, _address: string | LookupAddress[]) => resolve(err)),
    );
    expect(error?.code).toBe(NOT_PUBLIC_CODE);
  });
});
