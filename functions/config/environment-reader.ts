import { ConfigurationError } from '../core/errors.js';

// Reads variables from an environment and collects every problem, so that one error names them
// all and a broken deployment is fixed in one round trip.

export type Environment = Readonly<Record<string, string | undefined>>;

export class EnvironmentReader {
  readonly problems: string[] = [];
  constructor(private readonly environment: Environment) {}

  requiredString(name: string): string {
    const value = this.environment[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is not set`);
      return '';
    }
    return value;
  }

  optionalString(name: string, fallback: string): string {
    return this.environment[name]?.trim() || fallback;
  }

  /**
   * The value of a numeric variable, trimmed; undefined when unset or empty. A value of only
   * spaces is not taken as unset: it comes back as is, to be reported.
   */
  #numeric(name: string): string | undefined {
    const raw = this.environment[name];
    if (raw === undefined || raw === '') return undefined;
    return raw.trim() || raw;
  }

  integer(
    name: string,
    range: { min: number; max: number; fallback?: number },
  ): number | undefined {
    const raw = this.#numeric(name);
    if (raw === undefined) return range.fallback;
    // Plain decimal digits only: Number() would also take "0x10", "1e2", "0b11" and "+5".
    const value = decimalDigits.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      this.problems.push(
        `${name} is "${raw}"; expected a whole number from ${range.min} to ${range.max} in decimal digits`,
      );
      return range.fallback;
    }
    return value;
  }

  ratio(name: string): number | undefined {
    const raw = this.#numeric(name);
    if (raw === undefined) return undefined;
    const value = decimalFraction.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= 0 && value <= 1)) {
      this.problems.push(`${name} is "${raw}"; expected a number from 0 to 1 (e.g. 0.05)`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.environment[name]?.trim();
    if (!raw) return fallback;
    const value = allowed.find((candidate) => candidate === raw);
    if (value === undefined) {
      this.problems.push(`${name} is "${raw}"; expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value;
  }

  websocketEndpoint(name: string): string {
    const raw = this.requiredString(name);
    if (!raw) return '';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.problems.push(`${name} is "${raw}"; expected ${endpointForm}`);
      return '';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.problems.push(`${name} is "${raw}"; expected ${endpointForm}`);
      return '';
    }
    // On AWS the stage is part of the callback URL; without it every post answers 403.
    if (url.hostname.endsWith('.amazonaws.com') && url.pathname.replace(/\/+$/, '') === '') {
      this.problems.push(`${name} is "${raw}" and has no stage path; expected ${endpointForm}`);
      return '';
    }
    return raw.replace(/\/+$/, '');
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
  }
}

const decimalDigits = /^[0-9]+$/;
/** `0.05`, `.5`, `1`: no sign, no exponent, no hex, no `Infinity`. */
const decimalFraction = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

const endpointForm =
  'https://{apiId}.execute-api.{region}.amazonaws.com/{stage} (offline: http://localhost:3001)';
