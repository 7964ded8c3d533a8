export * from './from-checkpoint';
export * from './onnx';
