import { startDynamoDBLocal } from '../support/dynamodb-local.js';
import { faultCases } from './cases.js';
import { type CaseOutcome, runFaultCase } from './fault-case.js';
import { faultTable } from './report.js';

// npm run faults [-- case name filter]: every case of the fault suite against a DynamoDB Local
// of its own, then the table; the exit code is 1 when a case failed.

const filter = process.argv.slice(2).join(' ').toLowerCase();
const selected = faultCases.filter((faultCase) => faultCase.name.toLowerCase().includes(filter));
const dynamodb = await startDynamoDBLocal();
const outcomes: CaseOutcome[] = [];
try {
  for (const faultCase of selected) {
    process.stderr.write(`${faultCase.name}...\n`);
    outcomes.push(await runFaultCase(faultCase, dynamodb.endpoint));
  }
} finally {
  await dynamodb.stop();
}
console.log(faultTable(outcomes));
for (const outcome of outcomes) {
  for (const problem of outcome.problems) console.log(`${outcome.name}: ${problem}`);
}
process.exitCode = outcomes.some((outcome) => outcome.problems.length > 0) ? 1 : 0;
