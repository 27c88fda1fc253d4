/** Submits a card (or an IBAN, with `field`) on the emulator's hosted checkout page, as a buyer's browser would. */
export async function payOnHostedPage(
  checkoutUrl: string,
  value = '4242424242424242',
  field: 'card_number' | 'iban' = 'card_number',
): Promise<{ status: number; location: string | null; html: string }> {
  const response = await fetch(checkoutUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ [field]: value }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}
