import { PreconditionFailedError, RegistryNotDetectedError } from '../core/errors.js';
import { errorNameOf } from '../core/sdk-error.js';

// Translates the few DynamoDB errors a run understands; everything else is rethrown as is.

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function translateRegistryError(
  error: unknown,
  registry: { tableName: string; variable: string; indexName?: string },
): unknown {
  const name = errorNameOf(error);
  if (name === 'ResourceNotFoundException') {
    return new PreconditionFailedError(
      `The table "${registry.tableName}" was not found: check ${registry.variable} and the region (${messageOf(error)}).`,
      { cause: error },
    );
  }
  if (name === 'ValidationException' && /does not project/i.test(messageOf(error))) {
    return new PreconditionFailedError(
      `The index "${registry.indexName}" of "${registry.tableName}" does not project an attribute the run reads (${messageOf(error)}): give it the projection of infra/tables.yml (NonKeyAttributes suspendedBy, suspendedAt, resumeAttempts, lastAttemptRun, frameKey; docs/deployment.md, "Upgrading a stack", says how).`,
      { cause: error },
    );
  }
  if (
    registry.indexName !== undefined &&
    name === 'ValidationException' &&
    /index/i.test(messageOf(error))
  ) {
    return new RegistryNotDetectedError(
      `The table "${registry.tableName}" has no index "${registry.indexName}" (SUSPENDED_INDEX): ${messageOf(error)}`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new PreconditionFailedError(
      `DynamoDB refused access to "${registry.tableName}": check the function's role (${messageOf(error)}).`,
      { cause: error },
    );
  }
  return error;
}
