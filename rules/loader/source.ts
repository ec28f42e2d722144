import { LineCounter, isScalar, type Node, type Scalar } from 'yaml';
import type { Location } from '../types.js';

/** One rules file being read: its text and a line index for offset → line:col. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
  readonly lines: LineCounter;
}

export function makeSourceFile(path: string, text: string): SourceFile {
  const lines = new LineCounter();
  // Indexed here once (not by the YAML parser) so that every file, parsable
  // or not, has line starts; line 1 starts at offset 0.
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return { path, text, lines };
}

/** 1-based line and column of a 0-based offset, clamped into the file. */
export function locate(file: SourceFile, offset: number): Location {
  const o = Math.max(0, Math.min(offset, file.text.length));
  const p = file.lines.linePos(o);
  return { file: file.path, line: Math.max(1, p.line), col: Math.max(1, p.col) };
}

export function nodeLocation(file: SourceFile, node: Node | null | undefined, fallback: number): Location {
  const start = node?.range?.[0];
  return locate(file, typeof start === 'number' ? start : fallback);
}

/**
 * A piece of condition text that came from one YAML scalar. Conditions are
 * concatenated by `append`, so a condition is a list of pieces; an offset in
 * the joined text maps back to the piece, then into the file.
 */
export interface TextPiece {
  readonly file: SourceFile;
  readonly text: string;
  readonly node?: Scalar;
  /** File offset used when the scalar has no range (never the case for parsed files). */
  readonly fallback: number;
}

export interface PieceText {
  readonly pieces: readonly TextPiece[];
}

/** The condition text as the parser sees it: pieces joined by one space (Falco's append). */
export function joinedText(c: PieceText): string {
  return c.pieces.map((p) => p.text).join(' ');
}

export function locateInPieces(c: PieceText, offset: number): Location {
  let start = 0;
  for (let i = 0; i < c.pieces.length; i++) {
    const p = c.pieces[i]!;
    const end = start + p.text.length;
    if (offset <= end || i === c.pieces.length - 1) {
      // An error at the very end ("missing ')'") points just past the last
      // written character, not at the line after a block scalar.
      const last = p.text.trimEnd().length;
      return locate(p.file, scalarOffset(p, Math.max(0, Math.min(offset - start, last))));
    }
    start = end + 1;
  }
  const first = c.pieces[0];
  return first ? locate(first.file, first.fallback) : { file: '<none>', line: 1, col: 1 };
}

const offsetMaps = new WeakMap<Scalar, Int32Array>();

/**
 * File offset of character `index` of a scalar's value. Plain and quoted
 * single-line scalars map exactly; folded/literal block scalars and
 * multi-line flow scalars are aligned greedily (indentation and line folds
 * skipped), which is exact for ordinary rule text and close otherwise.
 */
export function scalarOffset(p: TextPiece, index: number): number {
  const node = p.node;
  const range = node?.range;
  if (!node || !range) return p.fallback;
  let map = offsetMaps.get(node);
  if (!map) {
    map = alignValue(p.file.text, range[0], range[1], String(node.value), node.type);
    offsetMaps.set(node, map);
  }
  return map[Math.min(index, map.length - 1)]!;
}

/** Look-ahead bound of the aligner: block indentation plus a folded newline stays well under it. */
const ALIGN_WINDOW = 256;

function alignValue(src: string, from: number, to: number, value: string, type: Scalar['type']): Int32Array {
  const map = new Int32Array(value.length + 1);
  let p = from;
  if (type === 'BLOCK_FOLDED' || type === 'BLOCK_LITERAL') {
    const nl = src.indexOf('\n', from);
    p = nl === -1 || nl >= to ? from : nl + 1;
  } else if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') {
    p = from + 1;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    let q = p;
    const limit = Math.min(to, p + ALIGN_WINDOW);
    let found = -1;
    while (q < limit) {
      const s = src[q]!;
      if (s === c || ((c === ' ' || c === '\n') && (s === '\n' || s === '\r'))) {
        found = q;
        break;
      }
      q++;
    }
    if (found === -1) {
      map[i] = Math.min(p, Math.max(from, to - 1));
    } else {
      map[i] = found;
      p = found + 1;
    }
  }
  map[value.length] = Math.max(from, Math.min(p, to));
  return map;
}

export function asScalar(node: unknown): Scalar | undefined {
  return isScalar(node) ? node : undefined;
}
