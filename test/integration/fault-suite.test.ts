import { describe, expect, inject, it } from 'vitest';
import { faultCases } from '../faults/cases.js';
import { runFaultCase } from '../faults/fault-case.js';
import { faultTable } from '../faults/report.js';

// The fault suite in `npm test`: every case of test/faults/cases.ts (also `npm run faults`).

describe('fault suite', () => {
  it.each(faultCases.map((faultCase) => [faultCase.name, faultCase] as const))(
    '%s: the invariant holds',
    async (_name, faultCase) => {
      const outcome = await runFaultCase(faultCase, inject('dynamodbEndpoint'));
      console.info(faultTable([outcome]));
      expect(outcome.problems).toEqual([]);
    },
    120_000,
  );
});
