import { defineConfig } from 'vitest/config';

// Three tiers, each its own project: unit tests never touch the network; integration tests
// talk to DynamoDB Local and loopback emulators; end-to-end tests run the whole local stack.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: [
            'test/support/build-global-setup.ts',
            'test/support/dynamodb-global-setup.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One file at a time: the benchmark run and the emulators must not starve each other
          // of the 2 cores a CI machine has.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/build-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          // One local stack at a time: each file starts its own osls offline + DynamoDB Local.
          fileParallelism: false,
        },
      },
    ],
  },
});
