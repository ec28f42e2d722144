import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { searchesRelays } from '../../../agent/events/dup-events.js';
import { isInterestingProcess } from '../../../collectors/exec/reinspect.js';
import type { ProcessInfo } from '../../../collectors/model.js';
import { isWatchedProgram } from '../../../collectors/procfs/stdio-policy.js';
import { INTERPRETERS, isReverseShellPart, isShellOrInterpreter, NETWORK_TOOLS, SHELLS, STDIO_RELAYS, VERSIONED_INTERPRETER_PREFIXES } from '../../../core/programs.js';

const LIBRARY = join(import.meta.dirname, '../../../rules/library/00-macros.yaml');

interface Item {
  list?: string;
  macro?: string;
  items?: string[];
  condition?: string;
}
const items = parse(readFileSync(LIBRARY, 'utf8')) as Item[];
const listItems = (name: string): string[] => {
  const l = items.find((i) => i.list === name);
  if (!l?.items) throw new Error(`no list ${name} in ${LIBRARY}`);
  return l.items;
};
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

function process(comm: string, exe = `/usr/bin/${comm}`, args: string[] = [comm]): ProcessInfo {
  const none = { kind: 'none' } as const;
  return {
    pid: 100,
    ppid: 1,
    startTicks: 1,
    startTimeMs: 0,
    comm,
    exe,
    args,
    argsTruncated: false,
    uid: 0,
    gid: 0,
    user: 'root',
    tty: 0,
    vpid: 100,
    netns: 1,
    stdio: [none, none, none],
  };
}

describe('program classes: one source of truth (core/programs.ts)', () => {
  it('the rule library lists are the same programs', () => {
    expect(sorted(listItems('vigil_shell_binaries'))).toEqual(sorted(SHELLS));
    expect(sorted(listItems('vigil_interpreters'))).toEqual(sorted(INTERPRETERS));
    expect(sorted(listItems('vigil_network_tools'))).toEqual(sorted(NETWORK_TOOLS));
  });

  it("the library's shell-or-interpreter macro uses the same versioned prefixes", () => {
    const macro = items.find((i) => i.macro === 'vigil_shell_or_interpreter');
    const prefixes = [...(macro?.condition ?? '').matchAll(/proc\.name startswith (\S+?)\)?(?:\s|$)/g)].map((m) => m[1]!);
    expect(sorted(prefixes)).toEqual(sorted(VERSIONED_INTERPRETER_PREFIXES));
    expect(macro?.condition).toContain('proc.name in (vigil_shell_binaries, vigil_interpreters)');
  });

  it('every program the Reverse Shell rule names has its stdio re-read, re-inspected after exec and followed through relays', () => {
    const named = [...SHELLS, ...INTERPRETERS, ...STDIO_RELAYS, 'python3.12', 'perl5.36', 'php8.2', 'lua5.4', 'ruby3.1', 'tclsh8.6'];
    for (const name of named) {
      expect(isReverseShellPart(name), name).toBe(true);
      expect(isWatchedProgram(process(name)), `stdio-policy ${name}`).toBe(true);
      expect(isInterestingProcess(process(name)), `reinspect ${name}`).toBe(true);
      expect(searchesRelays({ comm: name }), `dup-events ${name}`).toBe(true);
    }
    // The ones four disagreeing lists used to miss somewhere.
    for (const name of ['yash', 'rbash', 'expect', 'nawk']) expect(isShellOrInterpreter(name)).toBe(true);
  });

  it('other programs are none of these', () => {
    for (const name of ['nginx', 'sleep', 'cat', 'containerd', 'kubelet', 'shd']) {
      expect(isReverseShellPart(name), name).toBe(false);
      expect(isWatchedProgram(process(name)), name).toBe(false);
      expect(isInterestingProcess(process(name)), name).toBe(false);
      expect(searchesRelays({ comm: name }), name).toBe(false);
    }
    // argv[0] or the executable can name the shell when comm does not (busybox applets, renamed comm).
    expect(isInterestingProcess(process('x', '/bin/bash', ['x']))).toBe(true);
  });
});
