/**
 * The JSON Schema of `--config` files (scripts/config-schema.ts, dist/config.schema.json after a
 * build): it accepts every algorithm's defaults and refuses what the resolvers refuse (an unknown
 * field, numEnvs 0). No JSON Schema validator is installed, so `accepts` below applies the keywords
 * the generated schema uses, and fails on any other (a keyword it did not know would otherwise
 * pass silently).
 */
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '@valibot/to-json-schema';
import { configJsonSchema } from '../../scripts/config-schema';
import { ALGORITHMS, algorithmConfigSchema, resolveTrainerConfig, type TrainerConfig } from '../../src/algos/index';

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default']);

const typeOf = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' && Number.isInteger(value) ? 'integer' : typeof value;

/** Whether `value` satisfies `schema` (the draft-07 keywords the generated schema uses). */
function accepts(schema: JsonSchema, value: unknown): boolean {
  for (const [keyword, operand] of Object.entries(schema) as [string, never][]) {
    if (ANNOTATIONS.has(keyword)) continue;
    const ok = ((): boolean => {
      switch (keyword) {
        case 'type': {
          const actual = typeOf(value);
          return actual === operand || (operand === 'number' && actual === 'integer');
        }
        case 'enum':
          return (operand as unknown[]).includes(value);
        case 'const':
          return value === operand;
        case 'minimum':
          return typeof value !== 'number' || value >= operand;
        case 'maximum':
          return typeof value !== 'number' || value <= operand;
        case 'exclusiveMinimum':
          return typeof value !== 'number' || value > operand;
        case 'exclusiveMaximum':
          return typeof value !== 'number' || value < operand;
        case 'minItems':
          return !Array.isArray(value) || value.length >= operand;
        case 'items':
          return !Array.isArray(value) || value.every((item) => accepts(operand, item));
        case 'anyOf':
          return (operand as JsonSchema[]).some((option) => accepts(option, value));
        case 'properties':
          return typeOf(value) !== 'object' || Object.entries(value as object).every(([key, v]) => !(key in (operand as object)) || accepts((operand as Record<string, JsonSchema>)[key]!, v));
        case 'required':
          return typeOf(value) !== 'object' || (operand as string[]).every((key) => key in (value as object));
        case 'additionalProperties':
          if (operand !== false) throw new Error(`additionalProperties ${JSON.stringify(operand)} is not handled here`);
          return typeOf(value) !== 'object' || Object.keys(value as object).every((key) => key in (schema.properties ?? {}));
        default:
          throw new Error(`the generated schema uses '${keyword}', which this test does not apply`);
      }
    })();
    if (!ok) return false;
  }
  return true;
}

describe('the JSON Schema of --config files', () => {
  const schema = configJsonSchema();
  const branches = schema.anyOf as JsonSchema[];
  const branch = (algo: string) => branches.find((b) => (b.properties?.algo as JsonSchema).const === algo)!;

  it('has one branch per algorithm: a closed object whose fields are the schema’s (and $schema, for editors), with algo required but for the default', () => {
    expect(branches.map((b) => b.title)).toEqual([...ALGORITHMS]);
    for (const algo of ALGORITHMS) {
      const b = branch(algo);
      expect(b.type).toBe('object');
      expect(b.additionalProperties).toBe(false);
      expect(Object.keys(b.properties!).sort()).toEqual(['$schema', 'algo', ...Object.keys(algorithmConfigSchema(algo).schema.entries)].sort());
      expect(b.properties!.$schema).toMatchObject({ type: 'string' });
      expect(b.required).toEqual(algo === ALGORITHMS[0] ? [] : ['algo']);
    }
    expect(branch('ppo').properties!.numEnvs).toMatchObject({ type: 'integer', minimum: 1, maximum: 65_536, default: 4, description: 'Parallel envs N (per agent).' });
  });

  it('accepts every algorithm’s defaults, with and without algo, and a config of all its defaults', () => {
    for (const algo of ALGORITHMS) {
      const defaults = { ...algorithmConfigSchema(algo).defaults };
      expect(accepts(schema, { algo }), algo).toBe(true);
      expect(accepts(schema, { algo, ...defaults }), algo).toBe(true);
      const fromProperties = Object.fromEntries(Object.entries(branch(algo).properties!).flatMap(([k, p]) => ((p as JsonSchema).default === undefined ? [] : [[k, (p as JsonSchema).default]])));
      expect(fromProperties).toEqual(defaults);
      // What the schema accepts, the resolver does.
      expect(() => resolveTrainerConfig({ algo, ...defaults } as TrainerConfig)).not.toThrow();
    }
    expect(accepts(schema, {})).toBe(true);
  });

  it('refuses an unknown field, numEnvs 0 and an algorithm’s field under another algorithm, as the resolvers do', () => {
    const refused = [
      { algo: 'ppo', learningrate: 0.1 },
      { algo: 'ppo', numEnvs: 0 },
      { algo: 'a2c', numEnvs: 0 },
      { algo: 'trpo', numMinibatches: 4 },
      { algo: 'ppo', gamma: 1.5 },
      { algo: 'ppo', hiddenSizes: [] },
      { algo: 'ppo', env: 'Pong-v5' },
      { algo: 'reinforce', variants: [{ updateSteps: 2 }] },
      { algo: 'offpolicy', importance: 'sometimes' },
      { algo: 'sac' },
    ];
    for (const config of refused) {
      expect(accepts(schema, config), JSON.stringify(config)).toBe(false);
      expect(() => resolveTrainerConfig(config as TrainerConfig), JSON.stringify(config)).toThrow();
    }
    expect(accepts(schema, { algo: 'offpolicy', variants: [{ updateSteps: 2 }, { baseline: 'none' }], learningRate: [1e-3] })).toBe(false);
    expect(accepts(schema, { algo: 'offpolicy', variants: [{ updateSteps: 2 }, { baseline: 'none' }] })).toBe(true);
    expect(accepts(schema, { algo: 'ppo', env: 'Acrobot-v1', learningRate: [1e-3, 2e-3], agents: 2, targetKl: null })).toBe(true);
  });
});
