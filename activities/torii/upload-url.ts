// Where the Torii file may be sent: a presigned upload URL comes in Torii's answer, not from
// configuration, so it is checked before the file (and the worker's network position) is handed to
// it: https, a host name (no IP literal), and neither the name nor any address it resolves to may be
// loopback, private or link-local. TORII_UPLOAD_ALLOWED_HOSTS names hosts exempt from the host
// rules (never from https), for a storage endpoint on a private network or the tests' Torii
// simulator on loopback; nothing else is exempt.
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Problem } from '../problem';

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked against the IPv4 rules by BlockList itself.
for (const [network, prefix] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Names that never lead to the public internet: loopback, mDNS link-local, and private-use suffixes. */
const NOT_PUBLIC_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function uploadUrlRefused(): Problem {
  return {
    type: 'ToriiUploadUrlRefused',
    cause: 'Torii answered with an upload URL the worker will not send the file to: it must be https to a public host name (not an IP address, localhost, or a private or link-local host).',
    fix: 'Report this to Torii support with the sync id; the file was not sent. If your Torii storage is deliberately on a private network, list its host in TORII_UPLOAD_ALLOWED_HOSTS.',
    retryable: false,
  };
}

/** Whether the worker may PUT the file to `raw`; `allowedHosts` are `host` or `host:port` entries. */
export function uploadUrlAllowed(raw: string, allowedHosts: string[]): { allowed: boolean; exempt: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, exempt: false };
  }
  if (url.username || url.password) return { allowed: false, exempt: false };
  const host = url.hostname.toLowerCase();
  const exempt = allowedHosts.some((entry) => entry.toLowerCase() === (url.port ? `${host}:${url.port}` : host) || (!url.port && entry.toLowerCase() === host));
  if (url.protocol !== 'https:') return { allowed: false, exempt };
  if (exempt) return { allowed: true, exempt };
  const ipLiteral = host.startsWith('[') || isIP(host) !== 0;
  return { allowed: !ipLiteral && host.includes('.') && !NOT_PUBLIC_NAME.test(host), exempt };
}

/** The error code of a lookup that found no public address. */
export const NOT_PUBLIC_CODE = 'ERR_UPLOAD_HOST_NOT_PUBLIC';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup for the presigned PUT: answers only public addresses, so a public name that resolves
 * to a private one (or is rebound to it after the check) is not connected to either.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const usable = list.filter((a) => isPublicAddress(a.address));
    if (usable.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to no public address`), { code: NOT_PUBLIC_CODE });
      return callback(refused, []);
    }
    if (options.all) return callback(null, usable);
    callback(null, usable[0].address, usable[0].family);
  });
}
