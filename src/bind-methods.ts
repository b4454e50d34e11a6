/**
 * Binds the methods of a class instance to it, so that a method taken off its object
 * (`const create = db.flows.create`, `array.map(db.flows.get)`) still works, as users of a
 * repository object expect.
 */
export function bindMethods<T extends object>(target: T): T {
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype; ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || Object.hasOwn(target, key)) continue;
      const method = Object.getOwnPropertyDescriptor(proto, key)?.value;
      if (typeof method === 'function') {
        Object.defineProperty(target, key, {
          value: method.bind(target),
          configurable: true,
          writable: true,
        });
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  return target;
}
