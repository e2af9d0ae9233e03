import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
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

/**
 * A key that names no option of any command and no command is a typo (`"dim"`): it is refused
 * rather than silently ignored.
 */
export function checkConfigKeys(program: Command, config: Record<string, unknown>): void {
  const commands = new Map(allCommands(program).map((command) => [command.name(), command]));
  const optionsOf = (command: Command) => new Set(command.options.map((option) => option.attributeName()));
  const anyOption = new Set(allCommands(program).flatMap((command) => [...optionsOf(command)]));
  for (const [key, value] of Object.entries(config)) {
    const scoped = commands.get(key);
    if (scoped && value && typeof value === 'object' && !Array.isArray(value)) {
      const known = optionsOf(scoped);
      for (const inner of Object.keys(value)) {
        if (!known.has(inner)) throw new CliError(`${CONFIG_FILE}: "${key}.${inner}" is not an option of gbi ${key}`, EXIT.usage);
      }
    } else if (!anyOption.has(key)) {
      throw new CliError(`${CONFIG_FILE}: "${key}" is not an option of any gbi command`, EXIT.usage);
    }
  }
}

export function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

/**
 * Fills options the user did not give from the config file, each value checked by the option's own
 * parser, so `"dims": "abc"` is refused exactly like `--dims abc`.
 */
export function applyConfig(command: Command, config: Record<string, unknown>): void {
  const scoped = config[command.name()];
  const values = { ...config, ...(scoped && typeof scoped === 'object' ? (scoped as Record<string, unknown>) : {}) };
  for (const option of command.options) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (!(name in values) || (source !== undefined && source !== 'default')) continue;
    command.setOptionValueWithSource(name, configValue(name, option, values[name]), 'config');
  }
}

function configValue(name: string, option: Option, value: unknown): unknown {
  const refuse = (why: string) => new CliError(`${CONFIG_FILE}: "${name}" ${why}`, EXIT.usage);
  if (option.isBoolean()) {
    if (typeof value !== 'boolean') throw refuse('takes true or false');
    return value;
  }
  const parse = (item: unknown, previous: unknown) => {
    if (typeof item !== 'string' && typeof item !== 'number') throw refuse('takes a string or a number');
    try {
      return option.parseArg ? option.parseArg(String(item), previous) : String(item);
    } catch (error) {
      throw refuse(`is invalid: ${(error as Error).message}`);
    }
  };
  // Repeatable options (--include, --exclude) take a list.
  if (Array.isArray(option.defaultValue)) {
    if (!Array.isArray(value)) throw refuse('takes a list');
    return value.reduce((list: unknown, item) => parse(item, list), []);
  }
  return parse(value, option.defaultValue);
}
