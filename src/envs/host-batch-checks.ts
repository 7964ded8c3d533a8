/**
 * What the engine checks around a batched host env's calls: the actions before stepBatch, and
 * every value the game wrote after stepBatch and resetBatch. The game writes into typed arrays the
 * engine owns, so types and lengths cannot be wrong; values can: NaN or ±Infinity (a Float32Array
 * holds a number beyond float32's range as ±Infinity), flags and mask words other than 0 or 1, a
 * mask row that allows no action. Each error names the env, the instance, the field and the value.
 */
import { actionWords } from './action-branches';
import type { HostEnvBatch } from './batched-host-env';
import type { ActionSpace, BoxSpace, HybridSpace } from './types';

/** Which call wrote a value, as errors name it. */
export type HostEnvCall = 'stepBatch' | 'resetBatch';

/**
 * Throws unless every discrete action of instances [from, to) (default all) is < n (each
 * multi-discrete or hybrid branch's < nvec[b]) and every float is finite; clips the floats (a box's,
 * a hybrid action's continuous part) into the bounds in place.
 */
export function checkHostActions(
  name: string,
  space: ActionSpace,
  batch: Pick<HostEnvBatch, 'actions' | 'discreteActions'>,
  from = 0,
  to?: number,
): void {
  const { actions } = batch;
  const width = actionWords(space);
  const end = to === undefined ? actions.length : to * width;
  if (space.kind === 'hybrid') {
    checkHybridHostActions(name, space, actions as Float32Array, batch.discreteActions, from, end / width);
    return;
  }
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
  for (let env = from; env < end / width; env += 1) clipRow(name, space, actions as Float32Array, env * width, env, 'action');
}

/**
 * Checks and clips the floats at row[at … at + size − 1] (instance `env`'s box, `what` naming it
 * in errors): each finite, then clipped to the bounds in place (CleanRL's ClipAction: the game
 * sees actions inside its bounds).
 */
function clipRow(name: string, box: BoxSpace, row: Float32Array, at: number, env: number, what: string): void {
  for (let d = 0; d < box.size; d += 1) {
    const a = row[at + d]!;
    if (!Number.isFinite(a)) throw new RangeError(`${name}: ${what}[${d}] of env ${env} is ${a} (actions must be finite)`);
    row[at + d] = Math.min(Math.max(a, box.low[d]!), box.high[d]!);
  }
}

/**
 * A hybrid action row of instances [from, to): the D floats finite (then clipped to the box), the
 * K branch indices (read through the u32 view of the same words) below nvec[b].
 */
function checkHybridHostActions(name: string, space: HybridSpace, floats: Float32Array, words: Uint32Array, from: number, to: number): void {
  const dims = space.continuous.size;
  const { nvec } = space;
  const width = dims + nvec.length;
  for (let env = from; env < to; env += 1) {
    clipRow(name, space.continuous, floats, env * width, env, 'continuous action');
    for (let b = 0; b < nvec.length; b += 1) {
      const value = words[env * width + dims + b]!;
      if (value >= nvec[b]!) {
        throw new RangeError(`${name}: action of env ${env}, branch ${b}, is ${value}, outside the branch's ${nvec[b]} actions (valid: 0 … ${nvec[b]! - 1})`);
      }
    }
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
