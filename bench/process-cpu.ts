// CPU time of a process as the kernel counts it (/proc/<pid>/stat: user + system ticks), so the
// benchmark can say what one page costs the worker and the Temporal dev server on their own.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux (`getconf CLK_TCK`)

/** User + system CPU ms the process has used so far; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after it are fixed: utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Descendant processes of `parent` whose command name is `comm` (the dev server is the SDK's child). */
export function descendantsNamed(parent: number, comm: string): number[] {
  const parentOf = new Map<number, { ppid: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), { ppid, comm: name });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parentOf.get(pid)?.ppid; p !== undefined && p > 1; p = parentOf.get(p)?.ppid) if (p === parent) return true;
    return false;
  };
  return [...parentOf].filter(([pid, p]) => p.comm === comm && isDescendant(pid)).map(([pid]) => pid);
}

/** Resident set size now (VmRSS), in MB; 0 once the process is gone. */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * CPU ms of the whole machine so far, over all its cores (/proc/stat's first line), so a figure can
 * say how much of the two cores a phase left unused: `busy` is every tick but idle, iowait and
 * steal; `steal` is the ticks the hypervisor gave to another machine while this one wanted them.
 */
export function machineCpuMs(): { busy: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return { busy: (user + nice + system + irq + softirq) * TICK_MS, steal: steal * TICK_MS };
}
