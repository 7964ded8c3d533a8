/**
 * Loading MuJoCo's WebAssembly bindings (`@mujoco/mujoco`, Google DeepMind's official package), an
 * optional peer dependency: only `webgpu-rl/mujoco` imports it, and only when an env is made, so a
 * game without locomotion neither installs nor downloads it.
 *
 * The types below are the part of the bindings this folder uses, written structurally: the
 * package's own module (single-threaded or `@mujoco/mujoco/mt`) satisfies them, and the
 * declarations of `webgpu-rl/mujoco` do not name a package that may be absent.
 */

/**
 * A compiled model (MuJoCo's mjModel). Numeric arrays are live views into WebAssembly memory (read
 * them again after anything allocates: a view goes stale, length 0, when the heap grows).
 */
export interface MujocoModel {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  /** Bytes of each MjData's arena (contacts, constraint rows, the step's scratch). */
  readonly narena: number;
  readonly qpos0: Float64Array;
  readonly body_mass: Float64Array;
  /** The physics options: a handle, to be deleted after use. */
  readonly opt: { readonly timestep: number; delete(): void };
  delete(): void;
}

/** One simulation state of a model (MuJoCo's mjData); arrays as {@link MujocoModel}'s. */
export interface MujocoData {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly qacc: Float64Array;
  readonly ctrl: Float64Array;
  readonly xpos: Float64Array;
  readonly cfrc_ext: Float64Array;
  /** Peak bytes of the arena in use since the last reset. */
  readonly maxuse_arena: number;
  readonly time: number;
  delete(): void;
}

/** The MuJoCo module, as `(await import('@mujoco/mujoco')).default()` resolves it; the part used here. */
export interface MujocoModule {
  readonly MjModel: { from_xml_string(xml: string): MujocoModel };
  /**
   * `new MjData(model)`. The parameter is typed `never` so that the package's own overloaded
   * constructor (typed against its own MjModel class) fits; pass a {@link MujocoModel}.
   */
  readonly MjData: new (model: never) => MujocoData;
  mj_step(model: MujocoModel, data: MujocoData): void;
  mj_forward(model: MujocoModel, data: MujocoData): void;
  mj_resetData(model: MujocoModel, data: MujocoData): void;
  mj_rnePostConstraint(model: MujocoModel, data: MujocoData): void;
  mj_versionString(): string;
}

/** The npm package of MuJoCo's bindings, as errors name it. */
export const MUJOCO_PACKAGE = '@mujoco/mujoco';

/** `@mujoco/mujoco` could not be imported (not installed, or not served) or did not start. */
export class MujocoUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MujocoUnavailableError';
  }
}

/** The first line of an error's message: MuJoCo's and Node's may run over several. */
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();

/**
 * Imports the bindings with `importer` and starts the module: the body of {@link loadMujoco}, apart
 * so that a test can hand it an import that fails. A failed import becomes one line naming the
 * package to install; a module that imports but does not start says so instead.
 * @internal
 */
export async function startMujoco(importer: () => Promise<unknown>): Promise<MujocoModule> {
  let factory: unknown;
  try {
    factory = ((await importer()) as { default?: unknown }).default;
  } catch (error) {
    throw new MujocoUnavailableError(
      `webgpu-rl/mujoco needs MuJoCo's WebAssembly bindings: npm install ${MUJOCO_PACKAGE} (importing '${MUJOCO_PACKAGE}' failed: ${firstLine(error)})`,
    );
  }
  if (typeof factory !== 'function') {
    throw new MujocoUnavailableError(`'${MUJOCO_PACKAGE}' has no default export to start the module with (got ${typeof factory}); webgpu-rl/mujoco needs version 3.14 or later`);
  }
  try {
    return (await (factory as () => Promise<MujocoModule>)()) as MujocoModule;
  } catch (error) {
    throw new MujocoUnavailableError(`'${MUJOCO_PACKAGE}' is installed but its WebAssembly module did not start (is mujoco.wasm served beside mujoco.js?): ${firstLine(error)}`);
  }
}

let loading: Promise<MujocoModule> | undefined;

/**
 * MuJoCo's single-threaded WebAssembly module, loaded once (every later call returns the same
 * module). Throws a {@link MujocoUnavailableError} of one line naming the package to install when
 * `@mujoco/mujoco` is missing, in Node and in the browser. The envs share the module, and with it one
 * WebAssembly heap (at most 2 GiB in the single-threaded build).
 */
export function loadMujoco(): Promise<MujocoModule> {
  // A failed load is not kept: installing the package and calling again works.
  loading ??= startMujoco(() => import('@mujoco/mujoco')).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
