import type { Logger } from '@aws-lambda-powertools/logger';
import type { Logger as CoreLogger } from '../core/ports.js';

/** The core's small logger interface on top of the Powertools logger. */
export function coreLogger(logger: Logger): CoreLogger {
  const level =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>) =>
      fields ? logger[method](message, fields) : logger[method](message);
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
}
