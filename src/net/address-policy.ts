// Which network addresses outbound calls (webhooks, connectors) may reach. Everything that is
// not plainly public is refused unless the operator opens it with
// GATEHOUSE_ALLOW_PRIVATE_NETWORKS (`true`, or a list of CIDRs).
import { BlockList, isIP } from 'node:net';

// IANA special-purpose registries (RFC 6890 and successors): never a public service.
const V4 = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints live here
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const;

const V6 = [
  // IPv4-compatible addresses (RFC 4291 §2.5.5.1, deprecated): ::127.0.0.1 embeds an IPv4 host,
  // and this /96 also holds the unspecified (::) and loopback (::1) addresses.
  ['::', 96],
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765 §2.1): another embedding of an IPv4 host
  ['64:ff9b::', 96], // NAT64 well-known prefix (RFC 6052)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo included
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const;

function blocked(): BlockList {
  const list = new BlockList();
  for (const [net, bits] of V4) list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of V6) list.addSubnet(net, bits, 'ipv6');
  return list;
}

export interface AddressPolicy {
  /**
   * Undefined when the address may be reached, else the reason it may not. The reason does not
   * repeat the address: a caller that named a host must not learn what it resolves to.
   */
  refuse(address: string): string | undefined;
  /** True when the operator opened this address explicitly (plain http is then allowed too). */
  allowedPrivate(address: string): boolean;
}

export function addressPolicy(allowPrivateNetworks: true | readonly string[]): AddressPolicy {
  const deny = blocked();
  const allow = new BlockList();
  if (allowPrivateNetworks !== true) {
    for (const cidr of allowPrivateNetworks) {
      const [net, bits] = cidr.split('/');
      const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) allow.addAddress(net, family);
      else allow.addSubnet(net, Number(bits), family);
    }
  }
  const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
  // IPv4-mapped IPv6 (::ffff:0:0/96) would reach an IPv4 host past the IPv4 checks. BlockList
  // folds mapped addresses into IPv4, so that prefix is recognised by its canonical text form.
  const mapped = (address: string) => isIP(address) === 6 && new URL(`http://[${address}]/`).hostname.startsWith('[::ffff:');
  const allowedPrivate = (address: string) => allowPrivateNetworks === true || allow.check(address, familyOf(address));
  return {
    allowedPrivate,
    refuse(address) {
      if (isIP(address) === 0) return 'not an IP address';
      if (allowedPrivate(address)) return undefined;
      if (mapped(address)) return 'an IPv4-mapped address';
      if (deny.check(address, familyOf(address))) return 'a private, loopback or reserved address';
      return undefined;
    },
  };
}
