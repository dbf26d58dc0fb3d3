/**
 * Defines `key` on `target` once: read-only and hidden from enumeration (`console.log` and
 * `Object.keys` do not show it), for a class's fields that a hot path reads and nothing
 * changes after the constructor. Declare the field with `private declare readonly` (which emits
 * nothing) and set it with this in the constructor; setting it twice throws.
 *
 * Why not a `#private` field: JavaScript defines a private field (as `undefined`, or its
 * initializer) before the constructor body runs, so the constructor's assignment is a second
 * write, and V8 marks the field mutable. A property written once stays a constant to V8: in a
 * loop where the object itself is known (a module's `const`, a closure's), its loads fold away,
 * and what they hold needs no map check. Measured: a router's single-frame alloc+free over a
 * stack, 15.5 → 13.2 ns; the stack alone, 10.3 → 9.0 ns.
 */
export function setConstant(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value });
}
