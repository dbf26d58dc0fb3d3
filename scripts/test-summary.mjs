// Prints the one line CI reads: "N passed, N failed", summed over the unit tests (vitest's
// JSON report), the packaging test and, where it ran, the release dry run. A missing report counts as a failure.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const results = join(resolve(import.meta.dirname, '..'), '.results');
let passed = 0;
let failed = 0;
const vitest = join(results, 'vitest.json');
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0) failed++;
} else {
  console.error('no vitest report: the unit tests did not run');
  failed++;
}
const pack = join(results, 'pack.json');
if (existsSync(pack)) {
  const report = JSON.parse(readFileSync(pack, 'utf8'));
  passed += report.passed;
  failed += report.failed;
} else {
  console.error('no packaging report: the packaging test did not run');
  failed++;
}
// The release dry run (.ci/run) reports one check when it ran.
const release = join(results, 'release.json');
if (existsSync(release)) {
  const report = JSON.parse(readFileSync(release, 'utf8'));
  passed += report.passed;
  failed += report.failed;
}
console.log(`${passed} passed, ${failed} failed`);
