import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { isRemoteUri } from '../store/index.js';

/** Shared options and argument parsers, so every command spells them the same way. */

export function indexOption(): Option {
  return new Option('--index <uri>', 'index folder or LanceDB URI (s3://, gs://…)').default('index');
}

export function endpointOption(): Option {
  return new Option('--endpoint <url>', 'a Gemini-compatible endpoint, e.g. a gbi emulator (default: real API with a key, else an in-process emulator)').env(
    'GBI_ENDPOINT',
  );
}

export function inputPolicy(): Option {
  return new Option('--input <mode>', 'how requests are sent: inline, as an uploaded JSONL file, or chosen by size')
    .choices(['auto', 'inline', 'file'])
    .default('auto');
}

export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`${flag} takes a positive number`);
    return parsed;
  };
}

export function fraction(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError(`${flag} takes a number from 0 to 1`);
    return parsed;
  };
}

export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A local index path resolved against the command's working directory; a remote URI as given. */
export function resolveIndex(cwd: string, uri: string): string {
  return isRemoteUri(uri) ? uri : resolve(cwd, uri);
}
