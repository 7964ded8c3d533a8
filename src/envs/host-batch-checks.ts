/**
 * What the engine checks around a batched host env's calls: the actions before stepBatch, and
 * every value the game wrote after stepBatch and resetBatch. The game writes into typed arrays the
 * engine owns, so types and lengths cannot be wrong; values can: NaN or ±Infinity (a Float32Array
 * holds a number beyond float32's range as ±Infinity), flags and mask words other than 0 or 1, a
 * mask row that allows no action. Each error names the env, the instance, the field and the value.
 */
import type { ActionSpace } from './types';

/** Which call wrote a value, as errors name it. */
export type HostEnvCall = 'stepBatch' | 'resetBatch';

/**
 * Throws unless every discrete action of instances [from, to) (default all) is < n (each
 * multi-discrete branch's < nvec[b]); clips their box actions into the bounds in place (finite ones only).
 */
export function checkHostActions(name: string, space: ActionSpace, actions: Uint32Array | Float32Array, from = 0, to?: number): void {
  const width = space.kind === 'box' ? space.size : space.kind === 'multiDiscrete' ? space.nvec.length : 1;
  const end = to === undefined ? actions.length : to * width;
  if (space.kind === 'discrete') {
    for (let i = from; i < end; i += 1) {
      if (actions[i]! >= space.n) {
        throw new RangeError(`${name}: action of env ${i} is ${actions[i]}, outside the ${space.n} discrete actions (valid: 0 … ${space.n - 1})`);
      }
    }
    return;
  }
  if (space.kind === 'multiDiscrete') {
    const branches = space.nvec.length;
    for (let i = from * branches; i < end; i += 1) {
      const b = i % branches;
      if (actions[i]! >= space.nvec[b]!) {
        throw new RangeError(
          `${name}: action of env ${(i - b) / branches}, branch ${b}, is ${actions[i]}, outside the branch's ${space.nvec[b]} actions (valid: 0 … ${space.nvec[b]! - 1})`,
        );
      }
    }
    return;
  }
  if (space.kind === 'hybrid') throw new RangeError(`${name}: hybrid action spaces are not supported by JavaScript envs yet`);
  const size = space.size;
  for (let i = from * width; i < end; i += 1) {
    const a = actions[i]!;
    const d = i % size;
    if (!Number.isFinite(a)) throw new RangeError(`${name}: action[${d}] of env ${(i - d) / size} is ${a} (actions must be finite)`);
    // CleanRL's ClipAction: the game sees actions inside its bounds.
    actions[i] = Math.min(Math.max(a, space.low[d]!), space.high[d]!);
  }
}

/** Throws unless row `instance` of `values` ([N][width]) is finite. */
export function checkFiniteRow(name: string, values: Float32Array, width: number, instance: number, field: string, call: HostEnvCall): void {
  const start = instance * width;
  for (let j = 0; j < width; j += 1) {
    const value = values[start + j]!;
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `${name}: instance ${instance} wrote ${field}[${instance}]${width > 1 || field !== 'rewards' ? `[${j}]` : ''} = ${value} in ${call} ` +
          `(${field} must be finite; a Float32Array stores a number beyond ±3.4e38 as ±Infinity)`,
      );
    }
  }
}

/** Throws unless flags[instance] is 0 or 1. */
export function checkFlag(name: string, flags: Uint32Array, instance: number, field: string, call: HostEnvCall): void {
  const value = flags[instance]!;
  if (value > 1) throw new RangeError(`${name}: instance ${instance} wrote ${field}[${instance}] = ${value} in ${call} (${field} must be 0 or 1)`);
}

/**
 * Throws unless row `instance` of `masks` ([N][Σ branches]) holds only 0 and 1 and each branch's
 * slice (`branches`: [n] for a discrete env, nvec for a multi-discrete one) at least one 1.
 */
export function checkMaskRow(name: string, masks: Uint32Array, branches: readonly number[], instance: number, call: HostEnvCall): void {
  const width = branches.reduce((sum, n) => sum + n, 0);
  const start = instance * width;
  let at = start;
  for (let b = 0; b < branches.length; b += 1) {
    const end = at + branches[b]!;
    let legal = 0;
    for (; at < end; at += 1) {
      const value = masks[at]!;
      if (value > 1) throw new RangeError(`${name}: instance ${instance} wrote masks[${instance}][${at - start}] = ${value} in ${call} (masks must be 0 or 1)`);
      legal += value;
    }
    if (legal === 0) throw new RangeError(maskedOutMessage(name, masks.subarray(start, start + width), branches, b, instance, call));
  }
}

/** The error of a mask row (or, multi-discrete, one branch's slice of it) that allows no action. */
function maskedOutMessage(name: string, row: Uint32Array, branches: readonly number[], branch: number, instance: number, call: HostEnvCall): string {
  const wrote = `${name}: instance ${instance} wrote masks[${instance}] = [${row.join(', ')}] in ${call}`;
  if (branches.length === 1) return `${wrote} (a mask row must allow at least one action)`;
  const first = branches.slice(0, branch).reduce((sum, n) => sum + n, 0);
  return (
    `${wrote}: branch ${branch} (words ${first} … ${first + branches[branch]! - 1} of nvec [${branches.join(', ')}]) allows no action ` +
    "(each branch's slice of a mask row must allow at least one action)"
  );
}
