import { decodeSockaddr, intField, splitProctitle, stringField } from './decode.js';
import { AUDIT_CWD, AUDIT_EXECVE, AUDIT_PATH, AUDIT_PROCTITLE, AUDIT_SOCKADDR, AUDIT_SYSCALL } from './proto.js';
import type { AuditRecord } from './records.js';
import { tableForAuditArch } from './syscalls.js';
import type { AuditPath, AuditSyscall } from './types.js';

/** auid/ses 4294967295: never set (a process not descended from a login). */
const UNSET = 4294967295;

/**
 * One syscall event from its records (in any order); undefined when the
 * group has no SYSCALL record (records the kernel logs outside an audited
 * syscall, which are not syscall events).
 */
export function buildSyscall(records: readonly AuditRecord[]): AuditSyscall | undefined {
  const sc = records.find((r) => r.type === AUDIT_SYSCALL);
  if (!sc) return undefined;
  const f = sc.fields;
  const str = (key: string): string | undefined => stringField(f, sc.quoted, key);
  const int = (key: string): number => intField(f, key) ?? -1;
  const nr = intField(f, 'syscall') ?? -1;
  const arch = Number.parseInt(f.get('arch') ?? '', 16);
  const table = Number.isFinite(arch) ? tableForAuditArch(arch) : undefined;
  const successText = f.get('success');
  const auid = intField(f, 'auid');
  const ses = intField(f, 'ses');
  const tty = f.get('tty');
  const exe = str('exe');
  const key = str('key');
  const exit = intField(f, 'exit');
  const args: string[] = [];
  for (let i = 0; i < 4; i++) args.push(f.get(`a${i}`) ?? '0');

  let cwd: string | undefined;
  const paths: AuditPath[] = [];
  let sockaddr: AuditSyscall['sockaddr'];
  let proctitle: string[] | undefined;
  const argvParts = new Map<number, string[]>();
  let argc: number | undefined;
  for (const r of records) {
    if (r.type === AUDIT_CWD) cwd = stringField(r.fields, r.quoted, 'cwd');
    else if (r.type === AUDIT_PATH) paths.push(pathOf(r));
    else if (r.type === AUDIT_SOCKADDR) {
      const s = r.fields.get('saddr');
      const decoded = s === undefined ? undefined : decodeSockaddr(s);
      if (decoded) sockaddr = decoded;
    } else if (r.type === AUDIT_PROCTITLE) {
      const raw = r.fields.get('proctitle');
      if (raw !== undefined) proctitle = splitProctitle(raw, r.quoted.has('proctitle'));
    } else if (r.type === AUDIT_EXECVE) {
      argc ??= intField(r.fields, 'argc');
      collectArgv(r, argvParts);
    }
  }
  paths.sort((a, b) => a.item - b.item);
  let argv: string[] | undefined;
  if (argc !== undefined || argvParts.size > 0) {
    const n = argc ?? Math.max(...argvParts.keys()) + 1;
    argv = [];
    for (let i = 0; i < n; i++) argv.push((argvParts.get(i) ?? []).join(''));
  }
  return {
    serial: sc.serial,
    timeMs: sc.timeMs,
    syscall: table?.name(nr) ?? `syscall_${nr}`,
    syscallNr: nr,
    ...(successText === 'yes' || successText === 'no' ? { success: successText === 'yes' } : {}),
    ...(exit !== undefined ? { exit } : {}),
    args,
    pid: int('pid'),
    ppid: int('ppid'),
    uid: int('uid'),
    euid: int('euid'),
    gid: int('gid'),
    egid: int('egid'),
    ...(auid !== undefined && auid !== UNSET ? { auid } : {}),
    ...(ses !== undefined && ses !== UNSET ? { ses } : {}),
    ...(tty !== undefined && tty !== '(none)' ? { tty } : {}),
    comm: str('comm') ?? '',
    ...(exe !== undefined ? { exe } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
    paths,
    ...(sockaddr ? { sockaddr } : {}),
    ...(argv ? { argv } : {}),
    ...(proctitle ? { proctitle } : {}),
  };
}

function pathOf(r: AuditRecord): AuditPath {
  const f = r.fields;
  const name = stringField(f, r.quoted, 'name');
  const inode = intField(f, 'inode');
  const modeText = f.get('mode');
  const mode = modeText !== undefined && /^[0-7]+$/.test(modeText) ? Number.parseInt(modeText, 8) : undefined;
  const nametype = f.get('nametype');
  const ouid = intField(f, 'ouid');
  return {
    item: intField(f, 'item') ?? 0,
    ...(name !== undefined ? { name } : {}),
    ...(inode !== undefined ? { inode } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(nametype !== undefined ? { nametype } : {}),
    ...(ouid !== undefined ? { ouid } : {}),
  };
}

/**
 * EXECVE's arguments: `aN="x"` or `aN=HEX`, and a long one split as
 * `aN_len=L aN[0]=HEX aN[1]=HEX...` (always hex), possibly over several
 * EXECVE records of the same event.
 */
function collectArgv(r: AuditRecord, parts: Map<number, string[]>): void {
  for (const [key, value] of r.fields) {
    const m = /^a(\d+)(?:\[(\d+)\])?$/.exec(key);
    if (!m) continue;
    const idx = Number(m[1]);
    if (idx > 65535) continue;
    const text = m[2] !== undefined ? Buffer.from(value, 'hex').toString('utf8') : (stringField(r.fields, r.quoted, key) ?? '');
    let list = parts.get(idx);
    if (!list) {
      list = [];
      parts.set(idx, list);
    }
    if (m[2] !== undefined) list[Number(m[2])] = text;
    else list.push(text);
  }
}
