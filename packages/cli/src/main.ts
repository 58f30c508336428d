import { readFile } from 'node:fs/promises';
import { CommanderError } from 'commander';
import { AdminApiError } from './admin-api-client.ts';
import { buildProgram, type CliIo, EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './cli-program.ts';

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    readFile: (path) => readFile(path, 'utf8'),
  };
}

/** Runs `mlc` with the arguments after the program name; resolves to the exit code. */
export async function runCli(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (args.length === 0) {
    io.stdout(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help already; help and --version end with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      io.stderr(`mlc: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof AdminApiError) {
      const status = error.status === 0 ? '' : ` (HTTP ${error.status})`;
      const field = error.field === undefined ? '' : ` [field: ${error.field}]`;
      io.stderr(`mlc: ${error.code}${status}: ${error.message}${field}\n`);
      return EXIT_API_ERROR;
    }
    throw error;
  }
}
