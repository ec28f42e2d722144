/** The fields of /proc/<pid>/status the process table needs. */
export interface ProcStatus {
  /** Effective uid and gid (what `ps -o user` shows). */
  readonly uid: number;
  readonly gid: number;
  /** Last NSpid entry: the pid in the innermost pid namespace. */
  readonly vpid: number;
  /** Last NSpgid entry: the process group in the innermost pid namespace; -1 when missing. */
  readonly vpgid: number;
  /** CapEff and CapPrm bit masks (capability N is bit N); -1 when missing. */
  readonly capEffective: number;
  readonly capPermitted: number;
}

/**
 * A capability mask as a number: the kernel knows 41 capabilities, so every
 * mask fits a double exactly (2^53). -1 for anything that is not hex.
 */
function capMask(text: string): number {
  return /^[0-9a-f]{1,16}$/i.test(text) ? Number.parseInt(text, 16) : -1;
}

/** Parses /proc/<pid>/status; fields that are missing come back as -1. */
export function parseStatus(text: string): ProcStatus {
  let uid = -1;
  let gid = -1;
  let vpid = -1;
  let vpgid = -1;
  let pid = -1;
  let capEffective = -1;
  let capPermitted = -1;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key === 'CapEff' || key === 'CapPrm') {
      const mask = capMask(line.slice(colon + 1).trim());
      if (key === 'CapEff') capEffective = mask;
      else capPermitted = mask;
      continue;
    }
    if (key !== 'Uid' && key !== 'Gid' && key !== 'NSpid' && key !== 'NSpgid' && key !== 'Pid') continue;
    const values = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (key === 'Uid') uid = values[1] ?? -1;
    else if (key === 'Gid') gid = values[1] ?? -1;
    else if (key === 'Pid') pid = values[0] ?? -1;
    else if (key === 'NSpgid') vpgid = values[values.length - 1] ?? -1;
    else vpid = values[values.length - 1] ?? -1;
  }
  // Kernels before 4.1 have no NSpid: then the pid is the only one known.
  return {
    uid,
    gid,
    vpid: Number.isInteger(vpid) && vpid > 0 ? vpid : pid,
    vpgid: Number.isInteger(vpgid) && vpgid >= 0 ? vpgid : -1,
    capEffective,
    capPermitted,
  };
}
