/** The engine's version (package.json's), written into checkpoints, ONNX exports and benchmark reports. */
export const ENGINE_VERSION = '0.3.0';
