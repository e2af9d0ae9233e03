#!/usr/bin/env node
// LanceDB reads LANCEDB_LOG when its native module loads, so it is set before the CLI is imported.
process.env.LANCEDB_LOG ??= 'error';
// `gbi search … | head` closes the pipe early: that ends the command, it is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { run } = await import('./program.js');
const { processIO } = await import('./io.js');
process.exitCode = await run(process.argv.slice(2), processIO());
