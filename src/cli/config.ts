import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from './exit-codes.js';

export const CONFIG_FILE = 'gbi.config.json';

/**
 * Defaults from `gbi.config.json` in the working directory: keys are long option names in
 * camelCase (`{"dims": 1536, "summaries": true}`), optionally under a command name
 * (`{"search": {"k": 5}}`). The command line always wins.
 */
export function loadConfig(cwd: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(join(cwd, CONFIG_FILE), 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${join(cwd, CONFIG_FILE)} is not valid: ${(error as Error).message}`, EXIT.usage);
  }
}

/** Fills options the user did not give from the config file. */
export function applyConfig(command: Command, config: Record<string, unknown>): void {
  const scoped = config[command.name()];
  const values = { ...config, ...(scoped && typeof scoped === 'object' ? (scoped as Record<string, unknown>) : {}) };
  for (const option of command.options) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (name in values && (source === undefined || source === 'default')) {
      command.setOptionValueWithSource(name, values[name], 'config');
    }
  }
}
