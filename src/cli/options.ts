import { InvalidArgumentError, type Command } from 'commander';

// Every command's registration imports these, and `settled --help` loads every registration: keep this file light.

export function portOption(value: string): string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return value;
}

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('a positive whole number is expected');
  return Number(value);
}

/** A command that takes no arguments or options; what it runs is loaded only when it runs. */
export function plainCommand(program: Command, name: string, description: string, load: () => Promise<() => Promise<void>>): void {
  program
    .command(name)
    .description(description)
    .action(async () => {
      const run = await load();
      await run();
    });
}
