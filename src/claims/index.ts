/** The claims catalogue of spec/claims.json, its experiments, runner and report. */
export { loadCatalogue } from './catalogue.js';
export { experiments } from './experiments/index.js';
export { runClaims, type ClaimResult, type RunOptions, type ShownRun } from './runner.js';
export { catalogueMarkdown, htmlReport, markdownReport, reportFiles, resultsJson, scenarioFiles, summaryTable, verdictCounts } from './report.js';
export { replayCounterexample, searchCounterexample, type Check, type ClaimCheck, type SearchOptions, type SearchResult } from './search.js';
export { budgets, verdicts, type Budget, type Claim, type Outcome, type Verdict } from './types.js';
