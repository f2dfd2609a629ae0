export const NAME_MAX_LENGTH = 100;

export interface NewItem {
  name: string;
  price: number;
}

export type ValidationResult = { ok: true; value: NewItem } | { ok: false; error: string };

/**
 * Validates a parsed JSON body for POST /items.
 * Only `name` and `price` are kept; any other fields are ignored.
 * `name` length is counted in Unicode code points.
 */
export function validateNewItem(body: unknown): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'body must be a JSON object' };
  }
  const record = body as Record<string, unknown>;

  if (!('name' in record) || record.name === undefined || record.name === null) {
    return { ok: false, error: 'name is required' };
  }
  const name = record.name;
  if (typeof name !== 'string') {
    return { ok: false, error: 'name must be a string' };
  }
  if (name.trim().length === 0) {
    return { ok: false, error: 'name must not be empty' };
  }
  if ([...name].length > NAME_MAX_LENGTH) {
    return { ok: false, error: `name must be at most ${NAME_MAX_LENGTH} characters` };
  }

  if (!('price' in record) || record.price === undefined || record.price === null) {
    return { ok: false, error: 'price is required' };
  }
  const price = record.price;
  if (typeof price !== 'number') {
    return { ok: false, error: 'price must be a number' };
  }
  if (!Number.isFinite(price)) {
    return { ok: false, error: 'price must be a finite number' };
  }
  if (price < 0) {
    return { ok: false, error: 'price must be >= 0' };
  }

  return { ok: true, value: { name, price } };
}
