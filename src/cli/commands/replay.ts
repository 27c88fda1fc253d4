import type { Command } from 'commander';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run stored events through processing again (idempotent: a fact already known changes nothing)')
    .argument('<eventIds...>', 'inbox event ids (evt_… from Stripe, or sync_… from verify and the sweep)')
    .addHelpText('after', '\nWith STRIPE_SECRET_KEY set the events are processed here and each outcome is printed;\nwithout it they are queued for a running `settled serve` or `settled worker`.')
    .action(async (eventIds: string[]) => {
      const { runReplay } = await import('../actions/replay.js');
      await runReplay(eventIds);
    });
}
