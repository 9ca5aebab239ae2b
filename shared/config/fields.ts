import { z } from "zod";

/** Field builders the config schemas share: one error message per expectation. */

export const oneOf = (values: readonly string[]) => `expected one of ${values.join(", ")}`;

export function text(expected: string) {
  return z.string({ error: expected }).min(1, { error: expected });
}

export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: oneOf(values) });
}

export const schemaList = z
  .array(text("expected a schema name (a non-empty string)"), {
    error: 'expected a list of schema names, like ["public"]',
  })
  .min(1, { error: 'expected a non-empty list of schema names, like ["public"]' });
