import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * A lab of Linux network namespaces: one "switch" namespace with a bridge,
 * and one namespace per host, each with an address in 198.18.0.0/24 (the
 * benchmarking range). Before anything starts, the root namespace gets
 * `ip route add blackhole 198.18.0.0/15`, so no lab address can leave the
 * machine; every process of a test — clients included — runs inside a lab
 * namespace. Root only.
 */
export const LAB_RANGE = '198.18.0.0/15';

export function canBuildLab(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'network namespaces need root' };
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return { ok: false, why: 'iproute2 (ip) is missing' };
  }
  return { ok: true };
}

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export interface Lab {
  /** host name → its address */
  readonly hosts: ReadonlyMap<string, string>;
  ns(host: string): string;
  /** runs a program inside a host's namespace */
  spawnIn(host: string, command: string, args: string[], env?: Record<string, string>): ChildProcess;
  /** runs a command inside a host's namespace to its end */
  execIn(host: string, command: string, args: string[]): string;
  destroy(): void;
}

export function buildLab(hosts: Record<string, string>): Lab {
  const prefix = `vl${process.pid % 100000}`;
  // never let a lab address out: blackhole the whole range in the root namespace first
  try {
    sh('ip', ['route', 'add', 'blackhole', LAB_RANGE]);
  } catch (err) {
    if (!/File exists/.test(String((err as { stderr?: string }).stderr))) throw err;
  }
  const sw = `${prefix}-sw`;
  const made: string[] = [];
  const nsOf = (h: string): string => `${prefix}-${h}`;
  try {
    sh('ip', ['netns', 'add', sw]);
    made.push(sw);
    sh('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    let i = 0;
    for (const [host, addr] of Object.entries(hosts)) {
      const ns = nsOf(host);
      sh('ip', ['netns', 'add', ns]);
      made.push(ns);
      const a = `${prefix}h${i}`;
      const b = `${prefix}b${i++}`;
      sh('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      sh('ip', ['link', 'set', a, 'netns', ns]);
      sh('ip', ['link', 'set', b, 'netns', sw]);
      sh('ip', ['-n', ns, 'link', 'set', a, 'name', 'eth0']);
      sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', sw, 'link', 'set', b, 'master', 'br0']);
      sh('ip', ['-n', sw, 'link', 'set', b, 'up']);
    }
  } catch (err) {
    for (const ns of made)
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        /* already gone */
      }
    throw err;
  }
  const children = new Set<ChildProcess>();
  return {
    hosts: new Map(Object.entries(hosts)),
    ns: nsOf,
    spawnIn(host, command, args, env = {}) {
      const child = spawn('ip', ['netns', 'exec', nsOf(host), command, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    execIn(host, command, args) {
      return sh('ip', ['netns', 'exec', nsOf(host), command, ...args]);
    },
    destroy() {
      for (const c of children) c.kill('SIGKILL');
      for (const ns of made.reverse())
        try {
          sh('ip', ['netns', 'del', ns]);
        } catch {
          /* already gone */
        }
    },
  };
}

export { CLI } from '../helpers.js';
