/**
 * The CPU policies that follow an agent (agent.policy({ follow: true })): refreshed from one
 * snapshot after each iteration train() reports, held weakly so that a policy the game dropped
 * stops costing a readback.
 */
import type { CpuPolicy } from './cpu-policy';
import type { CpuPolicySnapshot } from './cpu-policy-snapshot';

export class PolicyFollowers {
  private readonly policies = new Set<WeakRef<CpuPolicy>>();

  add(policy: CpuPolicy): void {
    this.policies.add(new WeakRef(policy));
  }

  /** Reads one snapshot (only when a follower is alive) and gives it to every follower. */
  async refresh(read: () => Promise<CpuPolicySnapshot>): Promise<void> {
    const live: CpuPolicy[] = [];
    for (const reference of this.policies) {
      const policy = reference.deref();
      if (policy) live.push(policy);
      else this.policies.delete(reference);
    }
    if (live.length === 0) return;
    const snapshot = await read();
    for (const policy of live) policy.replace(snapshot);
  }
}
