// The configuration schema's building blocks: one line declares a variable (its name, type, default, range,
// description and whether it is a secret); an app's schema is a tree of them, and its config type is inferred.
import { isIP } from 'node:net';
import { z } from 'zod';

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

/** What a computed default or a cross-variable check sees: the app, the environment and the values read so far. */
export interface Context {
  app: string;
  env: Env;
  /** Values already read, by variable name (the tree is read in declaration order). */
  read: Record<string, unknown>;
}

/** The variable must be set (no default). */
export const REQUIRED = Symbol('required');
/** Unset leaves the value `undefined`. */
export const UNSET = Symbol('unset');

/** A default that depends on the app or on variables read before it (e.g. 5 × the rate). */
export class Computed<T> {
  constructor(readonly compute: (c: Context) => T) {}
}
export const computed = <T>(compute: (c: Context) => T) => new Computed(compute);

export type Fallback<T> = T | Computed<T> | typeof REQUIRED | typeof UNSET;
type Out<T, F> = F extends typeof UNSET ? T | undefined : T;

export interface VarOptions {
  /** Never printed (errors say what is wrong, not the value); `secrets` of services.json follow it. */
  secret?: boolean;
  /** The default as the README shows it when it is not a plain value (e.g. "one key derived from …"). */
  shown?: string;
}

/** One environment variable: what it is, how it is read, and its README row. */
export class Var<T> {
  declare readonly __type: T;
  constructor(
    readonly name: string,
    /** Reads the raw string (never empty: unset and empty both take the default). */
    readonly type: z.ZodType<T, string>,
    /** What a good value is, for the error message: "must be <expect>". */
    readonly expect: string,
    readonly fallback: Fallback<T>,
    readonly doc: string,
    readonly options: VarOptions & { range?: [number, number]; minLength?: number } = {},
  ) {}

  get secret(): boolean {
    return this.options.secret === true;
  }

  /** The same variable with its value passed through `f` (e.g. a URL without its trailing slash). */
  map<U>(f: (value: T) => U): Var<U> {
    const fb = this.fallback;
    const fallback: Fallback<U> =
      fb === REQUIRED || fb === UNSET
        ? (fb as typeof REQUIRED | typeof UNSET)
        : fb instanceof Computed
          ? computed((c) => f((fb as Computed<T>).compute(c)))
          : f(fb as T);
    return new Var(this.name, this.type.transform(f), this.expect, fallback, this.doc, this.options);
  }
}

/** A value no variable sets (a constant, or one computed from the app's name or other values). */
export class Derived<T> {
  constructor(readonly compute: (c: Context) => T) {}
}
export const fixed = <T>(value: T) => new Derived<T>(() => value);
export const derived = <T>(compute: (c: Context) => T) => new Derived<T>(compute);

/** A group read only when `enabled(env)`; otherwise the value is `otherwise` (e.g. SMTP without SMTP_HOST). */
export class When<S extends Spec, O> {
  constructor(
    readonly enabled: (env: Env) => boolean,
    readonly spec: S,
    readonly otherwise: O,
  ) {}
}
export const when = <S extends Spec, O>(enabled: (env: Env) => boolean, spec: S, otherwise: O) =>
  new When(enabled, spec, otherwise);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a tree holds variables of every type
export type Node = Var<any> | Derived<any> | When<any, any> | Spec;
export interface Spec {
  [key: string]: Node;
}

/** The config type a schema tree describes. */
export type Infer<S> =
  S extends Var<infer T>
    ? T
    : S extends Derived<infer T>
      ? T
      : S extends When<infer I, infer O>
        ? Infer<I> | O
        : S extends Spec
          ? { -readonly [K in keyof S]: Infer<S[K]> }
          : never;

/** A rule over several variables: returns a message starting with a variable's name, or nothing. */
export type Check = (c: Context) => string | undefined;

// ---- the kinds of variable (each helper is one line in a schema) ----

const rangeText = ([min, max]: [number, number]) => `between ${min} and ${max}`;

const wholeNumber =
  (unit: string) =>
  <F extends Fallback<number>>(
    name: string,
    fallback: F,
    range: [number, number],
    doc: string,
    o: VarOptions = {},
  ): Var<Out<number, F>> => {
    const type = z.coerce.number().int().min(range[0]).max(range[1]);
    return new Var(name, type as never, `an integer${unit} ${rangeText(range)}`, fallback as never, doc, {
      ...o,
      range,
    });
  };

/** A whole number (counts, bytes, seconds) within [min, max]. */
export const int = wholeNumber('');

/** Milliseconds: a whole number within [min, max] (`1.5` is refused). */
export const ms = wholeNumber(' (milliseconds)');

/** A number that may have a fraction (days, calls per second) within [min, max]. */
export function num(name: string, fallback: number, range: [number, number], doc: string): Var<number> {
  const type = z.coerce.number().min(range[0]).max(range[1]);
  return new Var(name, type as never, `a number ${rangeText(range)}`, fallback, doc, { range });
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** true/false (also 1/0, yes/no, on/off). */
export function flag(name: string, fallback: boolean, doc: string): Var<boolean> {
  return new Var(name, z.stringbool({ truthy: TRUE, falsy: FALSE }), 'true or false', fallback, doc);
}

/** false, `loopback` (127/8 and ::1 only) or true. */
export function privateTargets(name: string, doc: string): Var<boolean | 'loopback'> {
  const type = z.union([z.literal('loopback'), z.stringbool({ truthy: TRUE, falsy: FALSE })]);
  return new Var(name, type, 'true, false or loopback', false, doc);
}

export interface TextOptions extends VarOptions {
  minLength?: number;
  /** A pattern the value must match, and what it means for the message. */
  pattern?: [RegExp, string];
}

/** A string as given. */
export function text<F extends Fallback<string>>(
  name: string,
  fallback: F,
  doc: string,
  o: TextOptions = {},
): Var<Out<string, F>> {
  let type: z.ZodType<string, string> = z.string();
  if (o.minLength)
    type = z.string().min(o.minLength, { error: `must be at least ${o.minLength} characters` });
  if (o.pattern) type = type.refine((v) => o.pattern![0].test(v), { error: `must be ${o.pattern[1]}` });
  return new Var(name, type, 'a string', fallback as never, doc, o);
}

/** One of the listed words. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  name: string,
  values: V,
  fallback: V[number],
  doc: string,
): Var<V[number]> {
  return new Var(name, z.enum(values) as never, `one of ${values.join(', ')}`, fallback, doc);
}

const urlType = (protocols: string[]) =>
  z
    .string()
    .refine((v) => URL.canParse(v), { error: `must be a URL (${protocols.join(' or ')})`, abort: true })
    .refine((v) => protocols.includes(new URL(v).protocol), {
      // the protocol alone is shown: the rest of a URL may hold a password
      error: (iss) => `must use ${protocols.join(' or ')}, got "${new URL(String(iss.input)).protocol}"`,
    });

/** A URL of one of the protocols (`postgres:`…); a password in it is never printed. */
export function url<F extends Fallback<string>>(
  name: string,
  fallback: F,
  protocols: string[],
  doc: string,
  o: VarOptions = {},
): Var<Out<string, F>> {
  return new Var(name, urlType(protocols), `a URL (${protocols.join(' or ')})`, fallback as never, doc, o);
}

/** One URL or a comma-separated list of them (the nodes of a cluster), each checked as `url` does. */
export function urlList(name: string, fallback: string, protocols: string[], doc: string): Var<string> {
  const one = urlType(protocols);
  const type = z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(one).min(1, { error: 'must be a URL or a comma-separated list of URLs' }))
    .transform((list) => list.join(','));
  return new Var(name, type, `a URL (${protocols.join(' or ')}) or a comma-separated list`, fallback, doc);
}

/** An IP address literal (v4 or v6, brackets dropped), no name: what a socket binds to. */
export function ip(name: string, fallback: string, doc: string, o: VarOptions = {}): Var<string> {
  const type = z
    .string()
    .transform((v) => v.replace(/^\[|\]$/g, ''))
    .refine((v) => isIP(v) !== 0);
  return new Var(name, type, 'an IP address (e.g. 127.0.0.1 or the pod IP)', fallback, doc, o);
}

/**
 * A value read by a function of the raw string (lists, key rings): `read` returns the value or throws an
 * Error whose message says what is wrong (it is prefixed with the variable's name).
 */
export function custom<T, F extends Fallback<T>>(
  name: string,
  fallback: F,
  read: (raw: string) => T,
  expect: string,
  doc: string,
  o: VarOptions = {},
): Var<Out<T, F>> {
  const type = z.string().transform((raw, ctx) => {
    try {
      return read(raw);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: raw });
      return z.NEVER;
    }
  });
  return new Var(name, type as never, expect, fallback as never, doc, o);
}

// ---- reading ----

/** Hides the password of a URL (`//user:***@`). */
export function redact(v: string): string {
  return v.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

function readVar(v: Var<unknown>, c: Context, errors: string[]): unknown {
  const raw = c.env[v.name];
  if (raw === undefined || raw === '') {
    const f = v.fallback;
    if (f === REQUIRED) {
      errors.push(`${v.name} is required but not set`);
      return undefined;
    }
    if (f === UNSET) return undefined;
    if (f instanceof Computed) return errors.length ? undefined : f.compute(c);
    return f;
  }
  const r = v.type.safeParse(raw, { error: () => `must be ${v.expect}` });
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // what was given, unless the message says it already or the value is a secret
  const got = v.secret || issue.message.includes(', got "') ? '' : `, got "${redact(raw)}"`;
  errors.push(`${v.name} ${issue.message}${got}`);
  return undefined;
}

function readNode(node: Node, c: Context, errors: string[]): unknown {
  if (node instanceof Var) {
    const value = readVar(node, c, errors);
    c.read[node.name] = value;
    return value;
  }
  if (node instanceof Derived) return errors.length ? undefined : node.compute(c);
  if (node instanceof When) return node.enabled(c.env) ? readNode(node.spec, c, errors) : node.otherwise;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(node)) out[k] = readNode(child, c, errors);
  return out;
}

/** Reads a schema tree from `env`; every bad variable is named in one ConfigError (values of secrets never). */
export function readSpec<S extends Spec>(spec: S, env: Env, app: string, checks: Check[] = []): Infer<S> {
  const c: Context = { app, env, read: {} };
  const errors: string[] = [];
  const value = readNode(spec, c, errors);
  if (!errors.length) for (const check of checks) errors.push(check(c) ?? '');
  const messages = errors.filter(Boolean);
  if (messages.length) throw new ConfigError(messages.join('; '));
  return value as Infer<S>;
}

/** Every variable of a tree, in declaration order (groups read only under a condition included). */
export function variablesOf(node: Node): Var<unknown>[] {
  if (node instanceof Var) return [node];
  if (node instanceof Derived) return [];
  if (node instanceof When) return variablesOf(node.spec);
  return Object.values(node).flatMap(variablesOf);
}
