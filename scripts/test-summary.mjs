// Prints the one line CI reads: "N passed, N failed", summed over the unit tests (vitest's
// JSON report), the packaging test and, where it ran, the release dry run. A missing report counts as a failure.
// Just above that line it names every failed test with the start of its message, so the tail
// of a CI log says what failed.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const results = join(root, '.results');
let passed = 0;
let failed = 0;
const named = [];
const firstLines = (text, n) => String(text).split('\n').slice(0, n).join('\n    ');
const vitest = join(results, 'vitest.json');
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0) failed++;
  for (const file of report.testResults) {
    const where = relative(root, file.name);
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of failedTests) {
      named.push(
        `${where} > ${test.fullName ?? test.title}\n    ${firstLines(test.failureMessages?.join('\n') ?? '', 6)}`,
      );
    }
    // A file that failed to load (or timed out in a hook) has no failed test of its own.
    if (file.status === 'failed' && failedTests.length === 0) {
      named.push(`${where} (the file failed)\n    ${firstLines(file.message ?? '', 6)}`);
      failed++;
    }
  }
} else {
  console.error('no vitest report: the unit tests did not run');
  failed++;
}
const pack = join(results, 'pack.json');
if (existsSync(pack)) {
  const report = JSON.parse(readFileSync(pack, 'utf8'));
  passed += report.passed;
  failed += report.failed;
  for (const label of report.failures ?? []) named.push(`packaging test > ${label}`);
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
for (const line of named) console.log(`FAILED ${line}`);
console.log(`${passed} passed, ${failed} failed`);
