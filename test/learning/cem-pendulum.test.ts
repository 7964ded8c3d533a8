/**
 * CEM on Pendulum-v1 (a box: a Gaussian policy whose candidates act by their mean action, the
 * log-std frozen out of the search) with CEM_ENV_DEFAULTS['Pendulum-v1'] (src/algos/cem/config.ts),
 * seed 1 as recorded in docs/LEARNING.md. The criterion is the mean first-episode return of the
 * last 100 candidates run, parameter noise included (src/algos/cem/cem.ts): the population, not μ.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'cem', env: 'Pendulum-v1', seed: 1 }, target: -250, budget: 1_000_000, recordedStep: 820_000, ci: true });
