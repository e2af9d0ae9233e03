import type { Command } from 'commander';
import { startEmulator } from '../../emulator/index.js';
import { fraction, integer } from '../options.js';
import { printJson, writeLine, type CliIO } from '../io.js';

interface EmulatorFlags {
  port: number;
  state?: string;
  latency: number;
  failRate?: number;
  seed?: number;
  json?: boolean;
}

export function emulatorCommand(program: Command, io: CliIO, untilStopped: () => Promise<void>): Command {
  return program
    .command('emulator')
    .description('run the local Gemini API emulator on 127.0.0.1 (for --endpoint and GBI_ENDPOINT)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', integer('--port', 0, 65535), 8080)
    .option('--state <dir>', 'keep jobs and files in this folder, so they survive a restart')
    .option('--latency <ms>', 'how long a batch job takes', integer('--latency', 0), 1000)
    .option('--fail-rate <x>', 'fraction of batch requests that fail with a per-request error', fraction('--fail-rate'))
    .option('--seed <n>', 'seed for injected faults and result order', integer('--seed', 0))
    .option('--json', 'print the base URL as JSON')
    .addHelpText(
      'after',
      '\nAny non-empty x-goog-api-key is accepted unless GBI_EMULATOR_API_KEY is set.\nExample:\n  gbi emulator --port 8080 --state .emulator &\n  gbi build docs --endpoint http://127.0.0.1:8080',
    )
    .action(async (flags: EmulatorFlags) => {
      const emulator = await startEmulator({
        port: flags.port,
        stateDir: flags.state,
        latencyMs: flags.latency,
        seed: flags.seed,
        apiKey: io.env.GBI_EMULATOR_API_KEY || undefined,
        faults: flags.failRate !== undefined ? { requestErrorRate: flags.failRate } : undefined,
      });
      if (flags.json) printJson(io, { url: emulator.url, port: emulator.port });
      else writeLine(io.stdout, `gbi emulator listening on ${emulator.url} (Ctrl-C to stop)`);
      await untilStopped();
      await emulator.close();
    });
}
