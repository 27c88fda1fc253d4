/**
 * The line the load generator (bench/load.ts) prints on stdout when its warm-up is over and the measured run
 * starts. It is not JSON, so it is never taken for the generator's result line.
 */
export const WARMED_UP_LINE = 'warmed up';
