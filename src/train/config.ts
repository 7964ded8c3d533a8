/**
 * Checks shared by the trainers' configs. Every error names the config, the field, the value and
 * what would be valid (`ppo: numEnvs must be a positive integer (got 0)`), and is thrown before any
 * GPU work.
 */

/** A config field that is not valid. */
export class ConfigError extends RangeError {
  constructor(
    readonly config: string,
    readonly field: string,
    readonly value: unknown,
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

/** Field checkers bound to one config's name. */
export function fieldChecks(config: string) {
  const fail = (field: string, value: unknown, valid: string): never => {
    throw new ConfigError(config, field, value, valid);
  };
  return {
    fail,
    positiveInteger(field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
        fail(field, value, max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer in [1, ${max}]`);
      }
      return value as number;
    },
    u32(field: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        fail(field, value, 'an integer in [0, 4294967295]');
      }
      return value as number;
    },
    number(field: string, value: unknown, min: number, max: number, valid: string): number {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(field, value, valid);
      return value as number;
    },
    positive(field: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(field, value, 'a finite number > 0');
      return value as number;
    },
    nonNegative(field: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, value, 'a finite number ≥ 0');
      return value as number;
    },
    boolean(field: string, value: unknown): boolean {
      if (typeof value !== 'boolean') fail(field, value, 'true or false');
      return value as boolean;
    },
    /**
     * One value for every agent, or one per agent (a population sweep): each checked by `each`;
     * returns G values.
     */
    perAgent(field: string, value: unknown, agents: number, each: (field: string, value: unknown) => number): number[] {
      if (Array.isArray(value)) {
        if (value.length !== agents) fail(field, value, `one number or ${agents} numbers (one per agent)`);
        return value.map((v, g) => each(`${field}[${g}]`, v));
      }
      return Array<number>(agents).fill(each(field, value));
    },
    /** Rejects fields the config does not know (a typo would otherwise be ignored silently). */
    knownFields(given: object, known: readonly string[]): void {
      for (const field of Object.keys(given)) {
        if (!known.includes(field)) throw new RangeError(`${config}: unknown field '${field}' (known fields: ${known.join(', ')})`);
      }
    },
  };
}
