import { loadConfig, type Config } from '../config.js';

function readEnvironment(): Record<string, string | undefined> {
  // A .env file in the working directory fills in what the real environment leaves unset.
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return process.env;
}

/** The one place below which nothing reads process.env: the typed, frozen configuration. */
export function configFromEnvironment(overrides: Record<string, string | undefined> = {}): Config {
  const fromFlags = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return loadConfig({ ...readEnvironment(), ...fromFlags });
}

/** Closes cleanly on SIGINT / SIGTERM, once. */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
