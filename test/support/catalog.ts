import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCatalog, type Catalog } from '../../src/domain/catalog.js';

/** The catalog that ships with settled, as `npm start` serves it. */
export function demoCatalog(): Catalog {
  return parseCatalog(JSON.parse(readFileSync(fileURLToPath(new URL('../../catalog/demo.json', import.meta.url)), 'utf8')));
}
