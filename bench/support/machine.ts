import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { cpuCheckMicros } from './calibrate.js';

export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly commit: string;
  /** µs to verify and parse one signed event on this machine as the run started (see cpuCheckMicros). */
  readonly cpuCheckMicros: number;
}

export function describeMachine(): Machine {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout.
  }
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    commit,
    cpuCheckMicros: Math.round(cpuCheckMicros() * 10) / 10,
  };
}

export function machineLine(machine: Machine): string {
  return `${machine.date.slice(0, 16).replace('T', ' ')} UTC · ${machine.cores} × ${machine.cpu} · ${machine.memoryGb} GB · Node ${machine.node} · commit ${machine.commit} · CPU check ${machine.cpuCheckMicros} µs`;
}
