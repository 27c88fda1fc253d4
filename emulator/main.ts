import { emulatorCliFailed, runEmulatorCli } from './cli.js';

// Standalone entry: `tsx emulator/main.ts --port 12111 [--duplicates 3 --shuffle-window-ms 500 --fail-rate 0.2 --seed 1]`.
runEmulatorCli(process.argv.slice(2)).catch(emulatorCliFailed);
