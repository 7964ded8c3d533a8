/**
 * The JSON Schema of the CLI's `--config` file (`webgpu-rl train --config run.json`): one branch
 * per algorithm, `algo` plus that algorithm's fields, converted from the trainers' valibot schemas
 * (src/algos/index.ts, algorithmConfigSchema) with each field's default and, as its description,
 * the TSDoc its config type carries. `npm run build` writes it to dist/config.schema.json:
 *   node scripts/run-ts.mjs scripts/config-schema.ts [out]
 * An editor that knows the schema (VS Code: `"$schema": "./node_modules/webgpu-rl/dist/config.schema.json"`
 * in the file) completes, documents and checks the fields as they are typed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import ts from 'typescript';
import { ALGORITHMS, algorithmConfigSchema } from '../src/algos/index';
import { BUILTIN_ENVS } from '../src/envs/registry';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a `--config` file's `env` may name: a built-in env's id or alias (the CLI knows no others). */
const ENV_JSON_SCHEMA: JsonSchema = {
  type: 'string',
  enum: BUILTIN_ENVS.flatMap((env) => [env.id, ...env.aliases]),
  description: 'A registered env id or alias (matched ignoring case on the command line).',
};

/** The JSON Schema of a `--config` file; `descriptions: false` skips reading the TSDoc (a type-checker pass). */
export function configJsonSchema({ descriptions = true } = {}): JsonSchema {
  const docs = descriptions ? fieldDocs() : new Map<string, Map<string, string>>();
  const branches = ALGORITHMS.map((algo) => {
    const { schema, defaults } = algorithmConfigSchema(algo);
    const { $schema: _, ...converted } = toJsonSchema(schema, {
      errorMode: 'throw',
      // JSON has no NaN or Infinity: every number in a file is finite.
      ignoreActions: ['finite'],
      // The only custom schema is the env (a string, a descriptor or a HostEnv in code; a name in a file).
      overrideSchema: ({ valibotSchema }) => (valibotSchema.type === 'custom' ? ENV_JSON_SCHEMA : undefined),
    });
    const properties: Record<string, JsonSchema> = {
      // The file may name this schema, for editors; the CLI ignores the field.
      $schema: { type: 'string', description: 'The JSON Schema of this file (for editors; ignored by webgpu-rl).' },
      algo: algo === ALGORITHMS[0] ? { const: algo, description: `The algorithm (default '${algo}').` } : { const: algo, description: 'The algorithm.' },
    };
    for (const [field, property] of Object.entries(converted.properties ?? {}) as [string, JsonSchema][]) {
      const description = docs.get(algo)?.get(field);
      properties[field] = { ...(description ? { description } : {}), ...property, ...(field in defaults ? { default: defaults[field] as JsonSchema['default'] } : {}) };
    }
    return {
      ...converted,
      title: algo,
      properties,
      // `algo` may be left out for the default algorithm only.
      required: [...(converted.required ?? []), ...(algo === ALGORITHMS[0] ? [] : ['algo'])],
    } satisfies JsonSchema;
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'webgpu-rl train --config',
    description: "A training config: `algo` and that algorithm's fields (CleanRL's names in camelCase). Command-line flags override the file's values.",
    anyOf: branches,
  };
}

/** Each algorithm's fields' TSDoc, read from TrainerConfig's branches (`{ algo } & XConfig`) by the type checker. */
function fieldDocs(): Map<string, Map<string, string>> {
  const index = join(ROOT, 'src/algos/index.ts');
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  // Only the config types matter: no DOM, WebGPU or Node declarations to parse (a third of the time).
  const program = ts.createProgram([index], { ...options, types: [], lib: ['lib.es2022.d.ts'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(index)!;
  const alias = source.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'TrainerConfig');
  if (!alias) throw new Error('src/algos/index.ts: no TrainerConfig type');
  const union = checker.getTypeAtLocation(alias);
  const docs = new Map<string, Map<string, string>>();
  for (const branch of union.isUnion() ? union.types : [union]) {
    const algoSymbol = branch.getProperty('algo');
    const algoType = algoSymbol && checker.getNonNullableType(checker.getTypeOfSymbol(algoSymbol));
    if (!algoType?.isStringLiteral()) throw new Error(`TrainerConfig branch ${checker.typeToString(branch)} has no literal algo`);
    const fields = new Map<string, string>();
    for (const property of branch.getProperties()) {
      const text = ts.displayPartsToString(property.getDocumentationComment(checker)).trim();
      if (text) fields.set(property.name, text.replace(/\s*\n\s*/g, ' '));
    }
    docs.set(algoType.value, fields);
  }
  return docs;
}

/** Writes the schema to `out` (default dist/config.schema.json). */
export async function main([out = join(ROOT, 'dist/config.schema.json')]: readonly string[] = []): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}
