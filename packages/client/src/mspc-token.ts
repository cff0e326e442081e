// Seed 001, "Token Combination Format": MSPC_TOKEN = base64(VENDOR_TOKEN + ":" + PARTNER_TOKEN).

/** The Vendor API bearer token for one integration. */
export function mspcToken(vendorApiKey: string, partnerApiKey: string): string {
  if (!vendorApiKey || !partnerApiKey) throw new TypeError('mspcToken needs both the vendor API key and the partner API key');
  // TextEncoder + btoa rather than Buffer, so the SDK runs outside Node as well.
  const bytes = new TextEncoder().encode(`${vendorApiKey}:${partnerApiKey}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
