/** Targets tell the bench where they listen with one JSON line on stdout, then serve until SIGTERM. */
export function announceReady(port: number, close: () => Promise<void>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  process.once('SIGTERM', () => {
    void close().finally(() => process.exit(0));
  });
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
