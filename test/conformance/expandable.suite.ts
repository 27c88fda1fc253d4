import { describe, expect, it } from 'vitest';
import { expandableFieldsOf, expandableObjectTypes } from '../../emulator/expandable.js';
import { specExpandableFields } from './openapi.js';

// The emulator's table decides which `expand[]` paths answer 400; it may leave out fields Stripe expands
// (they then answer 400 here too, a visible gap), but it must never claim a field Stripe does not expand.
describe("the emulator's expandable fields", () => {
  it('names only object types the spec describes, including every type the emulator serves', () => {
    const types = expandableObjectTypes();
    expect(types.filter((type) => specExpandableFields(type) === undefined)).toEqual([]);
    for (const served of ['checkout.session', 'payment_intent', 'charge', 'refund', 'dispute', 'payment_method', 'customer', 'price', 'product', 'event', 'webhook_endpoint', 'item']) {
      expect(types).toContain(served);
    }
  });

  it.each(expandableObjectTypes())('lists for %s only fields the spec marks expandable', (type) => {
    const declared = specExpandableFields(type) ?? [];
    expect(expandableFieldsOf(type).filter((field) => !declared.includes(field))).toEqual([]);
  });

  it('lets through the fields settled and the suites expand', () => {
    expect(expandableFieldsOf('checkout.session')).toContain('payment_intent');
    expect(expandableFieldsOf('payment_intent')).toEqual(expect.arrayContaining(['latest_charge', 'customer', 'payment_method']));
    expect(expandableFieldsOf('item')).toContain('price');
    expect(expandableFieldsOf('price')).toContain('product');
  });
});
