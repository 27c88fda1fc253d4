import type { Command } from 'commander';

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run the local Stripe emulator on its own (--port 12111, chaos flags; `settled emulator --help` lists them)')
    // The emulator owns its flags (it also runs without settled), so they pass through untouched.
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { runEmulatorCli } = await import('../../../emulator/cli.js');
      await runEmulatorCli(flags);
    });
}
