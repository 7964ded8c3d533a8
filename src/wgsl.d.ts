/** WGSL files import as ShaderParts (scripts/vite-plugin-wgsl.ts); `?raw` imports as text. */
declare module '*.wgsl' {
  const part: { readonly name: string; readonly code: string };
  export default part;
}
