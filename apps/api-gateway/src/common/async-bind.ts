// Node 20's `AsyncResource.prototype.bind` builds two `util.deprecate` wrappers (the DEP0172
// `asyncResource` getter and setter) on every call, and Nest binds every interceptor's `next` and Fastify
// every body parse with it: `deprecate` was the top named function of the gateway's profile under load
// (issue 26). This bind does the same binding (the function runs in the resource's async scope, `this`
// as given or as called) and keeps `asyncResource` as a plain property.
import { AsyncResource } from 'node:async_hooks';

const original = AsyncResource.prototype.bind as (fn: unknown, thisArg?: unknown) => never;

type Bound = ((...args: unknown[]) => unknown) & { asyncResource?: AsyncResource };

/** Installs the cheaper bind once; on any Node but 20 it leaves Node's own. */
export function installCheapAsyncBind(): void {
  if (!process.versions.node.startsWith('20.') || (AsyncResource.prototype.bind as unknown) !== original)
    return;
  AsyncResource.prototype.bind = function bind<F extends (...args: never[]) => unknown>(
    this: AsyncResource,
    fn: F,
    thisArg?: unknown,
  ): F & { asyncResource: AsyncResource } {
    // Node's own checks and throws for a non-function
    if (typeof fn !== 'function') return original.call(this, fn, thisArg);
    const run = this.runInAsyncScope.bind(this) as (
      fn: (...args: unknown[]) => unknown,
      thisArg: unknown,
      ...args: unknown[]
    ) => unknown;
    const call = fn as unknown as (...args: unknown[]) => unknown;
    const bound: Bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return run(call, this, ...args);
          }
        : (...args: unknown[]) => run(call, thisArg, ...args);
    Object.defineProperty(bound, 'length', { configurable: true, value: fn.length });
    bound.asyncResource = this;
    return bound as never;
  };
}
