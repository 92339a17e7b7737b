import { expect } from 'vitest';

/** The error `promise` rejects with, which must be a `type`; a promise that resolves fails the test. */
export async function rejectionOf<E>(
  type: abstract new (...args: never[]) => E,
  promise: Promise<unknown>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a rejection with ${type.name}`);
}
