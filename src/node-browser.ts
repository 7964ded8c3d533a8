/**
 * What a browser bundle gets for `webgpu-rl/node` (package.json's `browser` condition): one clear
 * error at import instead of Dawn's native addon and Node's file system failing to resolve.
 */
throw new Error("'webgpu-rl/node' is the Node entry (Dawn, files): in a browser import from 'webgpu-rl' instead");
