/**
 * Runs before every test file (vite.config.ts `test.setupFiles`): Node has no `navigator.gpu`, so
 * acquireGpu finds its adapter through Dawn, as the package's Node entry arranges for users.
 */
import { installAdapterSource } from '../../src/gpu/device';
import { dawnAdapterSource } from '../../src/node/dawn';

installAdapterSource(dawnAdapterSource);
