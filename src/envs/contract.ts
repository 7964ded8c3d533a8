/**
 * Checks an env body against the env contract (src/envs/types.ts) before anything is compiled:
 * the declarations it must have, the sizes it states, and agreement between its WGSL and its
 * TypeScript descriptor. A missing function or struct is named here, in the env's own words, instead
 * of surfacing as an "unresolved identifier" in the wrapper's WGSL.
 */
import { multiDiscreteProblem } from './action-branches';
import { maskWidth, type BoxSpace, type EnvDescriptor, type HybridSpace } from './types';

/** An env body or descriptor that breaks the env contract. */
export class EnvContractError extends Error {
  constructor(
    /** The env's id. */
    readonly env: string,
    problem: string,
  ) {
    super(`env '${env}': ${problem}`);
    this.name = 'EnvContractError';
  }
}

/** What the wrapper reads from an env body's WGSL. */
export interface EnvBodyLayout {
  obsSize: number;
  stateSize: number;
  actionSize: number;
  /** Field names of `struct State`, in order. */
  stateFields: readonly string[];
  /** Fields of `struct EnvParams`, in order, with their scalar type. */
  paramFields: readonly { name: string; type: 'f32' | 'u32' }[];
  /**
   * The type `EnvAction` aliases ('u32' for a discrete env), whitespace removed; for a struct
   * EnvAction (a hybrid env) its fields as 'struct{name:type,...}'.
   */
  actionType: string;
  /** ACTION_BRANCHES, which a hybrid env declares (its K branches); 0 when the body does not declare it. */
  actionBranches: number;
}

/**
 * The most action dimensions a box action space may have: 64, room for locomotion bodies such as
 * MuJoCo's Humanoid (17 actuators) and larger rigs. The wrapper's WrapperParams uniform holds the
 * bounds of this many dimensions (16 vec4f each of low and high); every other piece that handles a
 * box action (Gaussian heads, rollout sampler, host envs, act(), ONNX export) is sized by the env.
 */
export const MAX_ACTION_SIZE = 64;

/** The most per-episode metrics an env may report (the training report keeps a mean of each). */
export const MAX_EPISODE_METRICS = 8;

/** A metric name: an identifier, so that it can be a column of metrics.jsonl and a chart's title. */
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every declaration an env body must make, as the error lists them. */
export const REQUIRED_DECLARATIONS = [
  'const OBS_SIZE',
  'const STATE_SIZE',
  'const ACTION_SIZE',
  'struct EnvParams',
  'struct State',
  'alias EnvAction',
  'struct EnvStep',
  'fn env_reset',
  'fn env_step',
  'fn env_obs',
] as const;

/** The one declaration that may take two forms: an alias of the action's type, or a hybrid env's struct. */
const ENV_ACTION_DECLARATION = /\b(?:alias|struct)\s+EnvAction\b/;

/** The struct EnvAction a hybrid env declares, as actionType spells it (whitespace removed). */
const HYBRID_ACTION_TYPE = 'struct{continuous:array<f32,ACTION_SIZE>,discrete:array<u32,ACTION_BRANCHES>}';

/** The WGSL with comments blanked out (line breaks kept, so positions stay meaningful). */
function stripComments(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '');
}

/** A pattern that finds the declaration `keyword name` ('fn env_mask', 'struct State') in WGSL. */
export function declarationPattern(declaration: string): RegExp {
  const [keyword, name] = declaration.split(' ');
  return new RegExp(`\\b${keyword}\\s+${name}\\b`);
}

/** `text` split at its commas outside angle brackets (`array<f32, 64>` stays whole). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '<') depth += 1;
    else if (c === '>') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function structFields(code: string, name: string): { name: string; type: string }[] {
  const match = new RegExp(`\\bstruct\\s+${name}\\s*\\{([^}]*)\\}`).exec(code);
  if (!match) return [];
  return splitTopLevel(match[1]!)
    .map((field) => field.replace(/@\w+(\([^)]*\))?/g, '').trim())
    .filter((field) => field.length > 0)
    .map((field) => {
      const [fieldName, type = ''] = field.split(':').map((s) => s.trim());
      return { name: fieldName!, type };
    });
}

function integerConst(code: string, name: string, env: string): number {
  const match = new RegExp(`\\bconst\\s+${name}\\s*(?::\\s*u32\\s*)?=\\s*([^;]+);`).exec(code);
  const literal = match ? /^(\d+)u?$/.exec(match[1]!.trim()) : null;
  if (!literal) {
    throw new EnvContractError(env, `${name} must be declared as an integer literal, e.g. 'const ${name}: u32 = 4u;' (got '${match?.[1]?.trim()}')`);
  }
  return Number(literal[1]);
}

/**
 * Floats a State field of WGSL type `type` holds: 1 for f32, K for `array<f32, K>` (a board of
 * cells, say: its stride in a storage buffer is 4, so the host still sees STATE_SIZE packed
 * floats), 0 for any other type.
 */
function stateFieldFloats(type: string): number {
  if (type === 'f32') return 1;
  const array = /^array<\s*f32\s*,\s*(\d+)u?\s*>$/.exec(type);
  return array && Number(array[1]) > 0 ? Number(array[1]) : 0;
}

/**
 * Reads the sizes, State fields and EnvParams fields of an env body; throws EnvContractError naming
 * every required declaration the body lacks, or a struct field of the wrong type.
 */
export function parseEnvBody(env: string, wgsl: string): EnvBodyLayout {
  const code = stripComments(wgsl);
  const declared = (declaration: string) =>
    (declaration === 'alias EnvAction' ? ENV_ACTION_DECLARATION : declarationPattern(declaration)).test(code);
  const missing = REQUIRED_DECLARATIONS.filter((declaration) => !declared(declaration));
  if (missing.length > 0) {
    throw new EnvContractError(
      env,
      `its WGSL lacks ${missing.join(', ')} (an env body declares all of: ${REQUIRED_DECLARATIONS.join(', ')}, ` +
        'a hybrid env struct EnvAction in place of the alias; see src/envs/types.ts)',
    );
  }
  const obsSize = integerConst(code, 'OBS_SIZE', env);
  const stateSize = integerConst(code, 'STATE_SIZE', env);
  const actionSize = integerConst(code, 'ACTION_SIZE', env);

  const stateFields = structFields(code, 'State');
  const notF32 = stateFields.filter((f) => stateFieldFloats(f.type) === 0);
  if (notF32.length > 0) {
    throw new EnvContractError(
      env,
      `struct State may hold only f32 fields or arrays of f32 with a literal length (got ${notF32.map((f) => `${f.name}: ${f.type}`).join(', ')})`,
    );
  }
  const floats = stateFields.reduce((sum, f) => sum + stateFieldFloats(f.type), 0);
  if (floats !== stateSize) {
    throw new EnvContractError(env, `struct State holds ${floats} floats but STATE_SIZE = ${stateSize}`);
  }
  const params = structFields(code, 'EnvParams');
  const badParams = params.filter((f) => f.type !== 'f32' && f.type !== 'u32');
  if (badParams.length > 0) {
    throw new EnvContractError(
      env,
      `struct EnvParams may hold only f32 or u32 fields (got ${badParams.map((f) => `${f.name}: ${f.type}`).join(', ')})`,
    );
  }
  return {
    obsSize,
    stateSize,
    actionSize,
    stateFields: stateFields.map((f) => f.name),
    paramFields: params.map((f) => ({ name: f.name, type: f.type as 'f32' | 'u32' })),
    actionType: envActionType(code),
    actionBranches: /\bconst\s+ACTION_BRANCHES\b/.test(code) ? integerConst(code, 'ACTION_BRANCHES', env) : 0,
  };
}

/** What EnvAction is: the aliased type, or a struct's fields as 'struct{name:type,...}'; whitespace removed. */
function envActionType(code: string): string {
  const alias = /\balias\s+EnvAction\s*=\s*([^;]+);/.exec(code);
  if (alias) return alias[1]!.replace(/\s+/g, '');
  const fields = structFields(code, 'EnvAction').map((f) => `${f.name}:${f.type}`.replace(/\s+/g, ''));
  return `struct{${fields.join(',')}}`;
}

/** How actionType reads in an error: an alias's type, or the struct as the env wrote it. */
function describeActionType(actionType: string): string {
  return actionType.startsWith('struct{') ? `struct EnvAction { ${actionType.slice(7, -1).replace(/,/g, ', ').replace(/:/g, ': ')} }` : actionType;
}

const isPositiveInteger = (value: number) => Number.isInteger(value) && value > 0;

/**
 * Checks a descriptor against itself and its body's WGSL (sizes, spaces, state names, parameter
 * names in the struct's order, step limit); returns the body's layout.
 */
export function checkEnvDescriptor(descriptor: EnvDescriptor): EnvBodyLayout {
  const env = descriptor.id;
  const fail = (problem: string): never => {
    throw new EnvContractError(env, problem);
  };
  if (typeof env !== 'string' || env.length === 0) throw new EnvContractError(String(env), 'id must be a non-empty string');
  const layout = parseEnvBody(env, descriptor.body.code);

  const obs = descriptor.observationSpace;
  if (obs.size !== layout.obsSize) fail(`observationSpace.size is ${obs.size} but the WGSL says OBS_SIZE = ${layout.obsSize}`);
  if (obs.low.length !== obs.size || obs.high.length !== obs.size) {
    fail(`observationSpace.low and .high must have ${obs.size} entries (got ${obs.low.length} and ${obs.high.length})`);
  }
  const action = descriptor.actionSpace;
  const actionType = describeActionType(layout.actionType);
  if (action.kind === 'discrete') {
    if (!isPositiveInteger(action.n)) fail(`actionSpace.n must be a positive integer (got ${action.n})`);
    if (layout.actionType !== 'u32') fail(`a discrete env declares 'alias EnvAction = u32;' (got '${actionType}')`);
    if (layout.actionSize !== 1) fail(`a discrete env declares ACTION_SIZE = 1 (got ${layout.actionSize})`);
  } else if (action.kind === 'multiDiscrete') {
    checkMultiDiscreteLayout(action.nvec, layout, fail);
  } else if (action.kind === 'hybrid') {
    checkHybridLayout(action, layout, fail);
  } else {
    if (!isPositiveInteger(action.size) || action.size > MAX_ACTION_SIZE) {
      fail(`actionSpace.size must be an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE) (got ${action.size})`);
    }
    if (action.size !== layout.actionSize) fail(`actionSpace.size is ${action.size} but the WGSL says ACTION_SIZE = ${layout.actionSize}`);
    if (layout.actionType !== 'array<f32,ACTION_SIZE>') {
      fail(`a continuous env declares 'alias EnvAction = array<f32, ACTION_SIZE>;' (got '${actionType}')`);
    }
    const bounds = boxActionProblem(action, 'actionSpace');
    if (bounds) fail(bounds);
  }
  if (descriptor.stateNames.length !== layout.stateSize) {
    fail(`stateNames has ${descriptor.stateNames.length} names but the WGSL says STATE_SIZE = ${layout.stateSize}`);
  }
  const names = Object.keys(descriptor.params);
  const fields = layout.paramFields.map((f) => f.name);
  if (names.join(',') !== fields.join(',')) {
    fail(`params must list struct EnvParams's fields in order: [${fields.join(', ')}] (got [${names.join(', ')}])`);
  }
  if (fields.length === 0) fail('struct EnvParams needs at least one field (WGSL has no empty structs)');
  checkMaxEpisodeSteps(env, descriptor.maxEpisodeSteps, 'maxEpisodeSteps');
  checkActionMasks(descriptor, fail);
  checkEpisodeMetrics(descriptor, fail);
  return layout;
}

/**
 * Null when `box` is a usable box of actions (`field` names it in the descriptor: 'actionSpace', or
 * 'actionSpace.continuous' for a hybrid space): 1 … MAX_ACTION_SIZE dims, each with finite bounds,
 * low ≤ high. Else what is wrong, naming the field, the value and what is valid.
 */
export function boxActionProblem(box: BoxSpace, field: string): string | null {
  if (!isPositiveInteger(box.size) || box.size > MAX_ACTION_SIZE) {
    return `${field}.size must be an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE) (got ${box.size})`;
  }
  if (box.low?.length !== box.size || box.high?.length !== box.size) {
    return `${field}.low and .high must have ${box.size} entries (got ${box.low?.length} and ${box.high?.length})`;
  }
  const bad = box.low.findIndex((low, i) => !Number.isFinite(low) || !Number.isFinite(box.high[i]) || low > box.high[i]!);
  if (bad >= 0) return `${field} bounds of dimension ${bad} must be finite with low ≤ high (got [${box.low[bad]}, ${box.high[bad]}])`;
  return null;
}

/**
 * Null when `space` is a usable hybrid space: its continuous part a box (boxActionProblem), its
 * nvec valid (multiDiscreteProblem), and its D + K words within MAX_ACTION_SIZE (the wrapper's
 * action rows and bounds are sized by it). Else what is wrong, for the caller to raise with its env's name.
 */
export function hybridSpaceProblem(space: HybridSpace): string | null {
  const box = space.continuous;
  if (box?.kind !== 'box') return `actionSpace.continuous must be a box { kind: 'box', size, low, high } (got ${JSON.stringify(box)})`;
  const problem = boxActionProblem(box, 'actionSpace.continuous') ?? multiDiscreteProblem(space.nvec);
  if (problem) return problem;
  const words = box.size + space.nvec.length;
  if (words > MAX_ACTION_SIZE) {
    return (
      `a hybrid action of ${box.size} continuous dims and ${space.nvec.length} branches is D + K = ${words} words, ` +
      `more than MAX_ACTION_SIZE = ${MAX_ACTION_SIZE} (use fewer dims or branches)`
    );
  }
  return null;
}

/**
 * A hybrid env has a valid space and declares ACTION_SIZE = D, ACTION_BRANCHES = K and
 * struct EnvAction { continuous: array<f32, ACTION_SIZE>, discrete: array<u32, ACTION_BRANCHES> }.
 */
function checkHybridLayout(space: HybridSpace, layout: EnvBodyLayout, fail: (problem: string) => never): void {
  const problem = hybridSpaceProblem(space);
  if (problem) fail(problem);
  const { size } = space.continuous;
  const branches = space.nvec.length;
  if (layout.actionSize !== size) {
    fail(`a hybrid env declares ACTION_SIZE = ${size}, its actionSpace.continuous.size (got ${layout.actionSize})`);
  }
  if (layout.actionBranches !== branches) {
    const got = layout.actionBranches === 0 ? 'none declared' : `got ${layout.actionBranches}`;
    fail(`a hybrid env declares 'const ACTION_BRANCHES: u32 = ${branches}u;', one per branch of nvec [${space.nvec.join(', ')}] (${got})`);
  }
  if (layout.actionType !== HYBRID_ACTION_TYPE) {
    const got = layout.actionType.startsWith('struct{') ? describeActionType(layout.actionType) : `alias EnvAction = ${layout.actionType};`;
    fail(
      "a hybrid env declares 'struct EnvAction { continuous: array<f32, ACTION_SIZE>, discrete: array<u32, ACTION_BRANCHES> }' " +
        `in place of the alias, with exactly those fields in that order (got '${got}')`,
    );
  }
}

/** A multi-discrete env has a valid nvec and declares one u32 per branch. */
function checkMultiDiscreteLayout(nvec: readonly number[], layout: EnvBodyLayout, fail: (problem: string) => never): void {
  const problem = multiDiscreteProblem(nvec);
  if (problem) fail(problem);
  if (layout.actionType !== 'array<u32,ACTION_SIZE>') {
    fail(`a multi-discrete env declares 'alias EnvAction = array<u32, ACTION_SIZE>;' (got '${describeActionType(layout.actionType)}')`);
  }
  if (layout.actionSize !== nvec.length) {
    fail(`a multi-discrete env declares ACTION_SIZE = ${nvec.length}, one per branch of nvec [${nvec.join(', ')}] (got ${layout.actionSize})`);
  }
}

/** A masked env is discrete, multi-discrete or hybrid, and its body declares MASK_SIZE = maskWidth and env_mask. */
function checkActionMasks(descriptor: EnvDescriptor, fail: (problem: string) => never): void {
  const masked = descriptor.actionMasks ?? false;
  if (typeof masked !== 'boolean') fail(`actionMasks must be true or false (got ${String(masked)})`);
  if (!masked) return;
  const space = descriptor.actionSpace;
  if (space.kind === 'box') fail(`actionMasks needs a discrete, multi-discrete or hybrid action space (got 'box'): a box action has no legal set to mask`);
  if (descriptor.body.code === '') return; // a JavaScript env writes its masks itself
  const code = stripComments(descriptor.body.code);
  if (!declarationPattern('fn env_mask').test(code)) {
    fail('actionMasks is true, so its WGSL declares fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE>');
  }
  const size = integerConst(code, 'MASK_SIZE', descriptor.id);
  if (size !== maskWidth(space)) {
    const actions = space.kind === 'discrete' ? `${maskWidth(space)} discrete actions` : `Σ nvec = ${maskWidth(space)} actions of all branches`;
    fail(`MASK_SIZE must equal the ${actions} (got ${size})`);
  }
}

/** Metric names are distinct identifiers, at most MAX_EPISODE_METRICS; the body declares METRIC_COUNT and env_metrics. */
function checkEpisodeMetrics(descriptor: EnvDescriptor, fail: (problem: string) => never): void {
  const names = descriptor.episodeMetrics ?? [];
  if (!Array.isArray(names) || names.length > MAX_EPISODE_METRICS) {
    fail(`episodeMetrics must be an array of at most ${MAX_EPISODE_METRICS} names (got ${JSON.stringify(names)})`);
  }
  names.forEach((name, i) => {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) fail(`episodeMetrics[${i}] must be an identifier such as 'apples' (got ${JSON.stringify(name)})`);
    if (names.indexOf(name) !== i) fail(`episodeMetrics names must be distinct ('${name}' appears twice)`);
  });
  if (names.length === 0 || descriptor.body.code === '') return;
  const code = stripComments(descriptor.body.code);
  if (!declarationPattern('fn env_metrics').test(code)) {
    fail('episodeMetrics is set, so its WGSL declares fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT>');
  }
  const count = integerConst(code, 'METRIC_COUNT', descriptor.id);
  if (count !== names.length) fail(`METRIC_COUNT must equal the ${names.length} episodeMetrics names (got ${count})`);
}

/** Throws unless `value` is a valid step limit: an integer in [1, 2^32 − 2]. */
export function checkMaxEpisodeSteps(env: string, value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 0xfffffffe) {
    throw new EnvContractError(env, `${field} must be an integer in [1, 4294967294] (got ${value})`);
  }
}
