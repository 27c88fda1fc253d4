import type { Command } from 'commander';

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('the local Stripe emulator: run it (--port 12111), or listen --forward-to, trigger <event>, events resend (`settled emulator --help`)')
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
