// Which network addresses outbound calls (webhooks, connectors) may reach. Everything that is
// not plainly public is refused unless the operator opens it with
// GATEHOUSE_ALLOW_PRIVATE_NETWORKS (`true`, or a list of CIDRs).
import ipaddr from 'ipaddr.js';

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

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = readonly [Address, number];

/** Only the standard text forms: dotted quads and RFC 4291 §2.2 IPv6 (not "127.1" or "0x7f.1"). */
function parse(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  // ipaddr.js reads "::a.b.c.d" (IPv4-compatible, RFC 4291 §2.5.5.1) as the IPv4-mapped
  // "::ffff:a.b.c.d": a trailing dotted quad is written as its two hex groups first, so that each
  // form keeps its own meaning.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)(%.*)?$/.exec(text);
  if (!quad) return ipaddr.IPv6.parse(text);
  const [a, b, c, d] = quad.slice(1, 5).map(Number);
  const groups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return ipaddr.IPv6.parse(`${text.slice(0, quad.index)}${groups}${quad[5] ?? ''}`);
}

/** The same host in the other family's IPv4-mapped form (RFC 4291 §2.5.5.2), when it has one. */
function counterpart(address: Address): Address | undefined {
  if (address instanceof ipaddr.IPv4) return address.toIPv4MappedAddress();
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : undefined;
}

/** True when the address, or its mapped counterpart, is in one of the ranges. */
function within(address: Address, ranges: readonly Range[]): boolean {
  const forms = [address, counterpart(address)];
  return ranges.some(([net, bits]) => forms.some((a) => a !== undefined && a.kind() === net.kind() && a.match(net, bits)));
}

const DENIED: readonly Range[] = [...V4, ...V6].map(([net, bits]) => [ipaddr.parse(net), bits] as const);

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
  // The configuration has checked each entry (config.ts): an address, or an address and a prefix.
  const allowed: readonly Range[] =
    allowPrivateNetworks === true
      ? []
      : allowPrivateNetworks.map((cidr) => {
          const [net, bits] = cidr.split('/');
          const address = parse(net) as Address;
          return [address, bits === undefined ? (address.kind() === 'ipv4' ? 32 : 128) : Number(bits)] as const;
        });
  const allowedAddress = (address: Address) => allowPrivateNetworks === true || within(address, allowed);
  return {
    allowedPrivate(text) {
      if (allowPrivateNetworks === true) return true;
      const address = parse(text);
      return address !== undefined && allowedAddress(address);
    },
    refuse(text) {
      const address = parse(text);
      if (address === undefined) return 'not an IP address';
      if (allowedAddress(address)) return undefined;
      // IPv4-mapped IPv6 (::ffff:0:0/96) reaches an IPv4 host past the IPv4 ranges, whichever it is.
      if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) return 'an IPv4-mapped address';
      if (within(address, DENIED)) return 'a private, loopback or reserved address';
      return undefined;
    },
  };
}
