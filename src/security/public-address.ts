import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Addresses a server-side fetch asked for by a university's staff must not reach: this machine, the
// private networks behind it, link-local (cloud metadata). The operator's own commands may.
const inside = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  inside.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  inside.addSubnet(net, prefix, 'ipv6');
}

const isInside = (address: string): boolean => {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  if (mapped) return inside.check(mapped, 'ipv4');
  return inside.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
};

/**
 * Whether every address the URL's host names is on the public internet (SSRF). The answer can change
 * between this look-up and the fetch (DNS rebinding): it keeps out mistakes and casual probing.
 */
export async function isPublicUrl(url: string): Promise<boolean> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  return addresses.length > 0 && !addresses.some(isInside);
}
