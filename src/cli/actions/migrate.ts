import { configFromEnvironment } from '../environment.js';
import { openConfiguredStore } from '../runtime.js';

export async function runMigrate(): Promise<void> {
  const store = await openConfiguredStore(configFromEnvironment());
  try {
    await store.migrate();
    console.log(`migrations applied (${store.dialect})`);
  } finally {
    await store.close();
  }
}
