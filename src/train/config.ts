/**
 * The trainers' configs are valibot schemas (one strict object per algorithm, each field's schema
 * built from the pieces below); this file holds those pieces and the one error every failure
 * becomes. Every error names the config, the field, the value and what would be valid
 * (`ppo: numEnvs must be a positive integer (got 0)`), and is thrown before any GPU work: each
 * piece's valibot message is that "what would be valid". Checks between fields (a divisor of the
 * batch, one value per agent) run in code after the schema and throw the same ConfigError.
 */
import {
  array,
  boolean,
  custom,
  finite,
  gtValue,
  integer,
  ltValue,
  maxValue,
  minValue,
  nonEmpty,
  number,
  picklist,
  pipe,
  safeParse,
  union,
  type BaseIssue,
  type GenericSchema,
  type InferInput,
  type InferOutput,
  type ObjectEntries,
  type StrictObjectSchema,
} from 'valibot';
import type { EnvSource } from '../envs/registry';

/** A config field that is not valid. */
export class ConfigError extends RangeError {
  constructor(
    /** The algorithm whose config it is, e.g. 'ppo'. */
    readonly config: string,
    /** The field, with its path inside the config (`hiddenSizes[1]`, `variants[0].baseline`). */
    readonly field: string,
    /** The value given. */
    readonly value: unknown,
    /** What would be valid, e.g. 'a positive integer'. */
    readonly valid: string,
  ) {
    super(`${config}: ${field} must be ${valid} (got ${show(value)})`);
    this.name = 'ConfigError';
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

/** Throws the ConfigError of a check between fields. */
export function failConfig(config: string, field: string, value: unknown, valid: string): never {
  throw new ConfigError(config, field, value, valid);
}

/** A trainer config's schema: a strict object (unknown fields are refused). */
export type ConfigSchema = StrictObjectSchema<ObjectEntries, string>;

/** An object schema's entries (never for any other schema). */
type Entries<S> = S extends { readonly entries: infer E extends ObjectEntries } ? E : never;

/** The object schema of the records an entry holds (`variants: optional(pipe(array(object)))`), else never. */
type RecordSchema<F> = F extends { readonly entries: ObjectEntries }
  ? F
  : F extends { readonly wrapped: infer W }
    ? RecordSchema<W>
    : F extends { readonly pipe: readonly [infer First, ...unknown[]] }
      ? RecordSchema<First>
      : F extends { readonly item: infer I }
        ? RecordSchema<I>
        : never;

type ReadonlyField<T> = T extends readonly (infer E)[] ? readonly (E extends object ? Readonly<E> : E)[] : T;

/** One entry's input: readonly, and an array of records typed as their own ConfigInput (flattened, so that a record's type reads as its fields). */
type FieldInput<F extends GenericSchema> = [RecordSchema<F>] extends [never]
  ? ReadonlyField<InferInput<F>>
  : Exclude<InferInput<F>, readonly unknown[]> | readonly { [K in keyof ConfigInput<RecordSchema<F>>]: ConfigInput<RecordSchema<F>>[K] }[];

/** The keys that `T` marks optional. */
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];

/**
 * The type a config schema accepts, with readonly fields and arrays. Its keys are mapped from the
 * schema's entries (not from valibot's InferInput, whose optional keys each have two declarations),
 * so that each field carries the TSDoc of its entry, once.
 */
export type ConfigInput<S extends GenericSchema> = {
  readonly [K in keyof Entries<S> as K extends OptionalKeys<InferInput<S>> ? K : never]?: FieldInput<Entries<S>[K]>;
} & {
  readonly [K in keyof Entries<S> as K extends OptionalKeys<InferInput<S>> ? never : K]: FieldInput<Entries<S>[K]>;
};

// The field schemas. Each message is what would be valid, in the words ConfigError prints.

/** An integer in [min, max]. */
export const integerIn = (min: number, max: number, valid = `an integer in [${min}, ${max}]`) =>
  pipe(number(valid), integer(valid), minValue(min, valid), maxValue(max, valid));

/** An integer ≥ 1, at most `max` when given. */
export const positiveInteger = (max?: number) =>
  max === undefined ? integerIn(1, Number.MAX_SAFE_INTEGER, 'a positive integer') : integerIn(1, max);

/** A u32 (seeds). */
export const u32 = () => integerIn(0, 0xffffffff);

/** A number in [0, 1] (γ, λ). */
export const unitInterval = () => {
  const valid = 'a number in [0, 1]';
  return pipe(number(valid), minValue(0, valid), maxValue(1, valid));
};

/** A number in (0, 1), or in (0, 1] with `closed`. */
export const openUnitInterval = (closed = false) => {
  const valid = closed ? 'a number in (0, 1]' : 'a number in (0, 1)';
  return pipe(number(valid), gtValue(0, valid), closed ? maxValue(1, valid) : ltValue(1, valid));
};

const POSITIVE = 'a finite number > 0';
/** A finite number > 0. */
export const positive = () => pipe(number(POSITIVE), finite(POSITIVE), gtValue(0, POSITIVE));

const NON_NEGATIVE = 'a finite number ≥ 0';
/** A finite number ≥ 0. */
export const nonNegative = () => pipe(number(NON_NEGATIVE), finite(NON_NEGATIVE), minValue(0, NON_NEGATIVE));

/** A number in [min, max] (finite). */
export const numberIn = (min: number, max: number, valid = `a number in [${min}, ${max}]`) =>
  pipe(number(valid), finite(valid), minValue(min, valid), maxValue(max, valid));

/** true or false. */
export const flag = () => boolean('true or false');

/** One of the strings `values`. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => picklist(values, `one of ${values.map((v) => `'${v}'`).join(', ')}`);

/** A finite number ≥ 0 for every agent, or an array of them, one per agent (its length is checked against G after the schema). */
export const perAgentNonNegative = () => union([nonNegative(), array(nonNegative())], NON_NEGATIVE);

/** Hidden layer widths, each in [1, 4096]; non-empty unless `linear` ([] is a linear policy). */
export const layerWidths = (linear = false) => {
  const valid = linear ? 'an array of layer widths ([] for a linear policy)' : 'a non-empty array of layer widths';
  const widths = array(positiveInteger(4096), valid);
  return linear ? widths : pipe(widths, nonEmpty(valid));
};

/**
 * The env: an id or alias, a customEnv descriptor or a game's HostEnv. The schema lets any value
 * through: lookupEnv checks it right after and names the valid ids.
 */
export const envSource = () => custom<EnvSource>(() => true);

/**
 * Validates `input` against the config `schema` of the trainer `name`; returns the fields given
 * (those set to undefined left out, so that the defaults fill them). An unknown field is refused
 * first, with the known ones listed; otherwise the first invalid field throws its ConfigError.
 */
export function parseConfig<S extends ConfigSchema>(name: string, schema: S, input: unknown): InferOutput<S> {
  const result = safeParse(schema, input);
  if (!result.success) {
    const unknownField = result.issues.find((issue) => issue.type === 'strict_object' && issue.expected === 'never' && issue.path?.length === 1);
    if (unknownField) throw new RangeError(`${name}: unknown field '${String(unknownField.input)}' (known fields: ${Object.keys(schema.entries).join(', ')})`);
    throw issueError(name, result.issues[0]);
  }
  return definedFields(result.output as object) as InferOutput<S>;
}

/** `value` checked by one field's `schema` (a value derived in code, or a bound known only after the schema). */
export function checkField<T>(name: string, field: string, schema: GenericSchema<unknown, T>, value: unknown): T {
  const result = safeParse(schema, value);
  if (!result.success) throw issueError(name, result.issues[0], field);
  return result.output;
}

/** `object` without its undefined fields. */
export function definedFields<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** The ConfigError of a valibot issue: its path as the field (`hiddenSizes[1]`, `variants[0].baseline`), its message as what is valid. */
function issueError(name: string, first: BaseIssue<unknown>, root = 'config'): ConfigError {
  let issue = first;
  let path = first.path ?? [];
  // A union (one value or one per agent) that no option typed: report the deepest failure, the
  // element of an array rather than the array.
  const deepest = first.issues?.reduce((a, b) => ((b.path?.length ?? 0) > (a.path?.length ?? 0) ? b : a));
  if (first.type === 'union' && deepest?.path?.length) {
    issue = deepest;
    path = [...path, ...deepest.path];
  }
  const field = path.reduce<string>((at, item) => (typeof item.key === 'number' ? `${at}[${item.key}]` : at === '' ? String(item.key) : `${at}.${String(item.key)}`), '');
  // A nested unknown field (a variant's): its issue's input is the key; the value sits on the path.
  const value = issue.type === 'strict_object' && issue.expected === 'never' ? path.at(-1)?.value : issue.input;
  return new ConfigError(name, root === 'config' ? field || root : `${root}${field}`, value, issue.message);
}
