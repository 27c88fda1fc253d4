// A subpath of its own ('settled/express') so that only apps using Express need express installed.
export { settledExpress } from './express.js';
