import type { Scenario } from '../cluster/scenario.js';
import { viewerPage } from './page.js';
import { viewerData } from './replay.js';

export { viewerPage } from './page.js';
export { viewerData, type ViewerData } from './replay.js';
export { snapshotWorld, type ModelSnapshot } from './snapshots.js';
export { serveViewer } from './serve.js';

/** The viewer page of a scenario: replayed here, its state read at each story step. */
export function viewerHtml(scenario: Scenario, title: string): string {
  return viewerPage(viewerData(scenario, title));
}
