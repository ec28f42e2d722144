import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getOrInsert } from '../../../core/collections.js';
import { ROOT, sources } from './sources.js';

// Biome's noImportCycles sees file-to-file cycles; this sees the coarser
// one it cannot: two sibling folders that import each other (procfs <-> netfs
// was one), which keeps either from being understood or moved alone. A folder
// and its own subfolders may use each other (rules/ holds the types every
// rules/* folder shares, and rules/load.ts composes them).
const LAYERS = ['core', 'collectors', 'rules', 'agent'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;

function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}/`);
}

/** folder -> folders it imports from (relative to the repository root). */
function folderGraph(root: string, layers: readonly string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of layers.flatMap((l) => sources(join(root, l)))) {
    const from = relative(root, dirname(file));
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec === undefined) continue;
      const to = relative(root, dirname(resolve(dirname(file), spec)));
      if (to.startsWith('..') || isWithin(to, from) || isWithin(from, to)) continue;
      getOrInsert(graph, from, () => new Set<string>()).add(to);
    }
  }
  return graph;
}

/** Every cycle's folders, found by depth-first search (one path per back edge). */
function folderCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    path.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...path.slice(path.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('folder import graph', () => {
  it('finds a cycle between two folders', () => {
    const g = new Map([
      ['collectors/procfs', new Set(['collectors/netfs', 'core'])],
      ['collectors/netfs', new Set(['collectors/procfs'])],
    ]);
    expect(folderCycles(g)).toEqual([['collectors/netfs', 'collectors/procfs', 'collectors/netfs']]);
  });

  it('has no cycle between folders of core/, collectors/, rules/ and agent/', () => {
    expect(folderCycles(folderGraph(ROOT, LAYERS)).map((c) => c.join(' -> '))).toEqual([]);
  });
});
