/**
 * The methods a class's instances get bound, found once per class: walking the prototype chain
 * with property descriptors for each of the thirteen repositories was a sixth of the CPU of opening
 * an in-memory test database.
 */
const methodsOf = new WeakMap<object, [string, (...args: unknown[]) => unknown][]>();

function methods(proto: object): [string, (...args: unknown[]) => unknown][] {
  let found = methodsOf.get(proto);
  if (!found) {
    found = [];
    const seen = new Set<string>();
    for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key === 'constructor' || seen.has(key)) continue;
        seen.add(key);
        const method = Object.getOwnPropertyDescriptor(p, key)?.value;
        if (typeof method === 'function') found.push([key, method]);
      }
    }
    methodsOf.set(proto, found);
  }
  return found;
}

/** Calls `method` on `self` with `args`, with what should happen around every call. */
export type MethodGuard = (method: (...args: unknown[]) => unknown, self: object, args: unknown[]) => unknown;

/**
 * Binds the methods of a class instance to it, so that a method taken off its object
 * (`const create = db.flows.create`, `array.map(db.flows.get)`) still works, as users of a
 * repository object expect; each call of a method named in `guarded` goes through `guard`.
 */
export function bindMethods<T extends object>(
  target: T,
  guard?: MethodGuard,
  guarded: Readonly<Record<string, true>> = {},
): T {
  for (const [key, method] of methods(Object.getPrototypeOf(target))) {
    if (Object.hasOwn(target, key)) continue;
    const value =
      guard && Object.hasOwn(guarded, key)
        ? (...args: unknown[]) => guard(method, target, args)
        : method.bind(target);
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
  }
  return target;
}
