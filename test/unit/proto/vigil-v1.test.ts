import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', '..', 'proto', 'vigil', 'v1');

/** Everything declared in the file, with the comment protobufjs attached to it. */
function declarations(ns: protobuf.NamespaceBase, out: { name: string; comment: string | null }[] = []): typeof out {
  for (const child of ns.nestedArray) {
    // The package's namespace is not a declaration.
    if (!(child instanceof protobuf.Namespace && !(child instanceof protobuf.Type) && !(child instanceof protobuf.Service))) out.push({ name: child.fullName, comment: child.comment });
    if (child instanceof protobuf.Type) {
      for (const f of child.fieldsArray) out.push({ name: f.fullName, comment: f.comment });
      // proto3 `optional` makes a synthetic oneof `_name`: nothing to comment.
      for (const o of child.oneofsArray) if (!o.name.startsWith('_')) out.push({ name: o.fullName, comment: o.comment });
    }
    if (child instanceof protobuf.Enum) {
      for (const v of Object.keys(child.values)) out.push({ name: `${child.fullName}.${v}`, comment: child.comments[v] ?? null });
    }
    if (child instanceof protobuf.Service) for (const m of child.methodsArray) out.push({ name: m.fullName, comment: m.comment });
    if (child instanceof protobuf.Namespace) declarations(child, out);
  }
  return out;
}

describe('proto/vigil/v1', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.proto'));

  it('is one versioned package, proto3', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(join(DIR, f), 'utf8');
      expect(text).toMatch(/^syntax = "proto3";$/m);
      expect(text).toMatch(/^package vigil\.v1;$/m);
    }
  });

  it('comments every message, field, enum value, oneof and method', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const f of files) {
      const parsed = protobuf.parse(readFileSync(join(DIR, f), 'utf8'), { alternateCommentMode: true });
      for (const d of declarations(parsed.root)) {
        if (!d.name.startsWith('.vigil.v1')) continue;
        checked++;
        if (!d.comment?.trim()) missing.push(d.name);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });
});
