export * from './running-normalisers';
