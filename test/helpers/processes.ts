// Processes on this machine as Linux's /proc lists them: the descendants of a process (its children,
// theirs, ...) with their command lines, and whether a process still runs, for tests that check by pid
// that nothing a program started outlives it.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  command: string;
}

/** State and parent of a pid from /proc/<pid>/stat, or undefined once it is gone. */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const [state = '', ppid = '0'] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped by whoever inherited it) counts as gone. */
export function isRunning(pid: number): boolean {
  const state = stat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Every running descendant of `root`. */
export function descendants(root: number): ProcessInfo[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const info = stat(pid);
    if (info && isRunning(pid)) parents.set(pid, info.ppid);
  }
  const found: ProcessInfo[] = [];
  const walk = (parent: number) => {
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      } catch {
        continue; // exited meanwhile
      }
      found.push({ pid, command });
      walk(pid);
    }
  };
  walk(root);
  return found;
}
