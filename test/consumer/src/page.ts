import { trainSaveAndLoad } from './game';

const result = document.getElementById('result')!;
trainSaveAndLoad().then(
  (report) => (result.textContent = JSON.stringify(report)),
  (error: unknown) => (result.textContent = `error: ${error instanceof Error ? error.message : String(error)}`),
);
