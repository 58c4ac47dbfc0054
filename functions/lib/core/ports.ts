// The ports the core talks through. The core never imports the AWS SDK or reads process.env:
// the composition roots in functions/*.ts plug adapters into these.

/** A structured logger: the message is the seed's text, the fields are the counts. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The registry operations the WebSocket route handlers need. */
export interface ConnectionRegistry {
  register(connection: {
    connectionId: string;
    connectedAt: number;
    expiresAt: number;
  }): Promise<void>;
  remove(connectionId: string): Promise<void>;
}

/** Posts one message to one connection through the Management API. */
export interface MessagePoster {
  post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void>;
}
