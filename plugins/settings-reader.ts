import { type IntegerSetting, type IntegerSettingKey, numericSettings } from '../infra/index.js';
import { type Intrinsic, isIntrinsic } from './cloudformation.js';

// Reads one setting of custom.wsChannels at a time. Each reader returns the value to use (the
// default when the given one is wrong) and notes a problem naming the key and what is expected,
// so that every problem is listed in one message (settings.ts).

export const SETTINGS_PATH = 'custom.wsChannels';

const DECIMAL_DIGITS = /^[0-9]+$/;
const DECIMAL_FRACTION = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/** URL.parse would do, from Node 22.1; the plugin runs on the Node that runs osls (20 and up). */
function parsedUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * A number as given, or a string of the pattern's digits (what `${param:…}` and `${env:…}` give):
 * Number() alone would also take "0x10", "1e2" and " 5".
 */
const numberOf = (value: unknown, pattern: RegExp): number =>
  typeof value === 'number' ? value : pattern.test(String(value)) ? Number(value) : Number.NaN;

export const shown = (value: unknown): string =>
  typeof value === 'string' ? `"${value}"` : JSON.stringify(value);

/** What `integer` gives for a key: a number, or undefined where unset means "no limit". */
type IntegerOf<Key extends IntegerSettingKey> =
  | number
  | (typeof numericSettings)[Key]['default']
  | ((typeof numericSettings)[Key] extends { emptyUnsets: true } ? undefined : never);

export class SettingsReader {
  readonly problems: string[] = [];

  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

  #problem(key: string, value: unknown, expected: string): void {
    this.problems.push(`${SETTINGS_PATH}.${key} is ${shown(value)}; expected ${expected}`);
  }

  /** Absent (and null) mean "take the default". */
  #given(key: string): unknown {
    const value = this.raw[key];
    return value === null ? undefined : value;
  }

  name(key: string, pattern: RegExp, expected: string, fallback: string): string {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.#problem(key, value, expected);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    const found = allowed.find((candidate) => candidate === value);
    if (found === undefined) {
      this.#problem(key, value, `one of ${allowed.join(', ')}`);
      return fallback;
    }
    return found;
  }

  /** true/false, or the strings a `${env:…}` variable gives. */
  boolean(key: string, fallback: boolean): boolean {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.#problem(key, value, 'true or false');
    return fallback;
  }

  /**
   * A number, or a string of decimal digits (what `${param:…}` and `${env:…}` give), in the
   * setting's range; '' leaves a limit unset.
   */
  integer<Key extends IntegerSettingKey>(key: Key): IntegerOf<Key> {
    // The ranges' types say which keys may give undefined; the checks below are the same for all.
    return this.#integer(key, numericSettings[key]) as IntegerOf<Key>;
  }

  #integer(key: string, setting: IntegerSetting): number | undefined {
    const { min, max, default: fallback } = setting;
    const optional = fallback === undefined || setting.emptyUnsets === true;
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (value === '' && optional) return undefined;
    const number = numberOf(value, DECIMAL_DIGITS);
    if (!Number.isInteger(number) || number < min || number > max) {
      const unset = optional ? `, or '' for ${fallback === undefined ? 'no limit' : 'none'}` : '';
      this.#problem(key, value, `a whole number from ${min} to ${max}${unset}`);
      return fallback;
    }
    return number;
  }

  ratio(key: string): number | undefined {
    const value = this.#given(key);
    if (value === undefined || value === '') return undefined;
    const number = numberOf(value, DECIMAL_FRACTION);
    if (!(number >= 0 && number <= 1)) {
      this.#problem(key, value, "a number from 0 to 1 (e.g. 0.05), or '' for no limit");
      return undefined;
    }
    return number;
  }

  /** An http(s) URL (no trailing slash kept), or a CloudFormation intrinsic resolved on AWS. */
  endpoint(key: string): string | Intrinsic | undefined {
    const value = this.#given(key);
    if (value === undefined) return undefined;
    if (isIntrinsic(value)) return value;
    const expected =
      'an http(s) URL such as https://{apiId}.execute-api.{region}.amazonaws.com/{stage}, or a CloudFormation intrinsic ({ "Fn::Sub": … })';
    const url = typeof value === 'string' ? parsedUrl(value) : undefined;
    if (typeof value !== 'string' || url === undefined) {
      this.#problem(key, value, expected);
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.#problem(key, value, expected);
      return undefined;
    }
    // On AWS the stage is part of the callback URL; without it every post answers 403 (the
    // functions' own check, functions/config/read-config.ts, refuses it at cold start).
    if (url.hostname.endsWith('.amazonaws.com') && url.pathname.replace(/\/+$/, '') === '') {
      this.#problem(key, value, `${expected}, with the stage as its path`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }
}
