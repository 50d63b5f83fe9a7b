import { z } from 'zod';
import type { CatalogCategory, CatalogProduct } from './types';

/** A product or category the host handed over that Klaviyo would refuse or store wrongly. */
export class CatalogInputError extends TypeError {
  override readonly name = 'CatalogInputError';
  constructor(
    readonly objectId: string,
    readonly problems: string[],
  ) {
    super(`Catalog object '${objectId}' is not valid: ${problems.join('; ')}`);
  }
}

const id = z.string().trim().min(1, 'must not be empty');
const text = z.string();
// Prices in integer minor units; Klaviyo's price is a number (sent as major units).
const cents = z.number().int('must be whole cents').nonnegative('must not be negative');
const absoluteUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

const variantSchema = z.object({
  id,
  sku: text,
  title: id,
  description: text,
  priceCents: cents,
  inventoryQuantity: z.number().int('must be a whole number'),
  url: absoluteUrl,
  imageUrl: absoluteUrl.optional(),
  published: z.boolean(),
});
const productSchema = z.object({
  id,
  title: id,
  description: text,
  url: absoluteUrl,
  priceCents: cents,
  imageUrl: absoluteUrl.optional(),
  categoryIds: z.array(id),
  published: z.boolean(),
  variants: z.array(variantSchema),
});
const categorySchema = z.object({ id, name: id });

function check<T>(schema: z.ZodType<T>, value: unknown, objectId: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`);
  throw new CatalogInputError(typeof objectId === 'string' ? objectId : '(no id)', problems);
}

/** The product as given, checked: throws CatalogInputError naming each field that is wrong. */
export const checkProduct = (product: CatalogProduct): CatalogProduct =>
  check(productSchema, product, (product as { id?: unknown } | null)?.id) as CatalogProduct;
export const checkCategory = (category: CatalogCategory): CatalogCategory =>
  check(categorySchema, category, (category as { id?: unknown } | null)?.id);
