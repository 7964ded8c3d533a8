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
  /** Number of generalised coordinates (qpos entries). */
  readonly nq: number;
  /** Number of degrees of freedom (qvel entries). */
  readonly nv: number;
  /** Number of actuators (ctrl entries). */
  readonly nu: number;
  /** Number of bodies, the world included. */
  readonly nbody: number;
  /** Bytes of each MjData's arena (contacts, constraint rows, the step's scratch). */
  readonly narena: number;
  /** [nq] the reference configuration: mj_resetData's qpos. */
  readonly qpos0: Float64Array;
  /** [nbody] body masses in kg. */
  readonly body_mass: Float64Array;
  /** [nu][2] each actuator's control range (the action box). */
  readonly actuator_ctrlrange: Float64Array;
  /** The physics options: a handle, to be deleted after use. */
  readonly opt: {
    /** Seconds per mj_step. */
    readonly timestep: number;
    /** Frees the handle (not the model). */
    delete(): void;
  };
  /** Frees the model on the WebAssembly heap (exactly once). */
  delete(): void;
}

/** One simulation state of a model (MuJoCo's mjData); arrays as {@link MujocoModel}'s. */
export interface MujocoData {
  /** [nq] joint positions. */
  readonly qpos: Float64Array;
  /** [nv] joint velocities. */
  readonly qvel: Float64Array;
  /** [nv] joint accelerations of the last step. */
  readonly qacc: Float64Array;
  /** [nu] actuator controls, written before a step. */
  readonly ctrl: Float64Array;
  /** [nbody][3] body positions in the world frame. */
  readonly xpos: Float64Array;
  /** [nbody][6] external contact wrenches on each body (filled by mj_rnePostConstraint). */
  readonly cfrc_ext: Float64Array;
  /** [nbody][3] each body's centre of mass in the world frame. */
  readonly xipos: Float64Array;
  /** [nbody][10] each body's inertia and mass in the frame at its tree's centre of mass (MuJoCo's com-based cinert). */
  readonly cinert: Float64Array;
  /** [nbody][6] each body's velocity in that frame, rotation then translation (MuJoCo's cvel). */
  readonly cvel: Float64Array;
  /** [nv] the actuators' generalised forces. */
  readonly qfrc_actuator: Float64Array;
  /** Peak bytes of the arena in use since the last reset. */
  readonly maxuse_arena: number;
  /** Frees the state on the WebAssembly heap (exactly once). */
  delete(): void;
}

/** The MuJoCo module, as `(await import('@mujoco/mujoco')).default()` resolves it; the part used here. */
export interface MujocoModule {
  /** The model class. */
  readonly MjModel: {
    /** Compiles an MJCF document; throws MuJoCo's error (element and line) when it does not compile. */
    from_xml_string(xml: string): MujocoModel;
  };
  /** The state class. */
  readonly MjData: {
    /**
     * `new MjData(model)`: a state of `model` at its reference configuration. The parameter is
     * typed `never` so that the package's own overloaded constructor (typed against its own MjModel
     * class) fits; pass a {@link MujocoModel}.
     */
    new (model: never): MujocoData;
  };
  /** Advances the state by one timestep. */
  mj_step(model: MujocoModel, data: MujocoData): void;
  /** Computes everything derived from the state (positions, velocities, forces) without advancing time. */
  mj_forward(model: MujocoModel, data: MujocoData): void;
  /** Resets the state to qpos0, zero velocities and controls, time 0. */
  mj_resetData(model: MujocoModel, data: MujocoData): void;
  /** Computes cfrc_ext and the other post-constraint quantities of the current state. */
  mj_rnePostConstraint(model: MujocoModel, data: MujocoData): void;
  /** MuJoCo's version, e.g. '3.14.0'. */
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
