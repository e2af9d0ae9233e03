import { Command, CommanderError } from 'commander';
import { IndexMismatchError, IndexLockedError } from '../store/index.js';
import { allCommands, applyConfig, checkConfigKeys, loadConfig } from './config.js';
import { buildCommand } from './commands/build.js';
import { emulatorCommand } from './commands/emulator.js';
import { indexCommands } from './commands/index-commands.js';
import { searchCommand } from './commands/search.js';
import { UsageError } from '../errors.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { writeLine, type CliIO } from './io.js';
import { redactSecrets } from './redact.js';
import { describeApiError } from './api-errors.js';

export interface RunOptions {
  /** Resolves when a long-running command (the emulator) should stop. */
  untilStopped?: () => Promise<void>;
}

/** Runs one gbi command line; returns the exit code instead of exiting, so tests can call it. */
export async function run(argv: readonly string[], io: CliIO, options: RunOptions = {}): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = new Command('gbi')
    .description('Index a folder of documents into LanceDB through the Gemini Batch API, and search it.')
    .version(await packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  const setExit = (code: ExitCode) => {
    exitCode = code;
  };
  buildCommand(program, io, setExit);
  searchCommand(program, io);
  indexCommands(program, io, setExit);
  emulatorCommand(program, io, options.untilStopped ?? untilSignal);
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.hook('preAction', (thisCommand) => {
      const config = loadConfig(io.cwd);
      checkConfigKeys(program, config);
      applyConfig(thisCommand, config);
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): ExitCode {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const secrets = [io.env.GEMINI_API_KEY, io.env.GOOGLE_API_KEY];
  const say = (message: string) => writeLine(io.stderr, `gbi: ${redactSecrets(message, secrets)}`);
  if (error instanceof CliError) {
    say(error.message);
    return error.exitCode;
  }
  if (error instanceof IndexLockedError) {
    say(error.message);
    return EXIT.locked;
  }
  if (error instanceof IndexMismatchError || error instanceof UsageError) {
    say(error.message);
    return EXIT.usage;
  }
  say(describeApiError(error) ?? (error instanceof Error ? error.message : String(error)));
  if (io.env.GBI_DEBUG && error instanceof Error && error.stack) writeLine(io.stderr, redactSecrets(error.stack, secrets));
  return EXIT.error;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
}
