import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { SpoolError } from './errors.js';

/**
 * A durable FIFO of records on disk, one per push output: segment files of
 * `[u32 length][u32 crc32][f64 first][f64 last][u32 count|gap bit][payload]`
 * records (little-endian, the crc over everything after it) and a cursor
 * file naming the first record not yet delivered. Appends go to the last
 * segment; a segment wholly behind the cursor is deleted; beyond `maxBytes`
 * the oldest segments are evicted whole and the records lost are reported.
 * Records being sent (peeked, not yet acked or released) are never evicted:
 * eviction waits for the attempt to end, so no envelope is both delivered
 * and announced lost, and the cap can be passed by what arrives meanwhile.
 * A torn or corrupt tail (SIGKILL mid-write) is cut off at open, never fatal.
 * The format and its decisions: docs/delivery-outputs.md.
 */
export interface Spool {
  /** Recovers segments and the cursor; creates the directory. */
  open(): Promise<SpoolRecovery>;
  /** Appends records in order (one write per segment touched). Evicts the oldest segments beyond maxBytes. */
  append(records: readonly SpoolRecord[]): Promise<void>;
  /** Up to `max` records from the cursor, without consuming them. */
  peek(max: number): Promise<readonly PeekedRecord[]>;
  /** Marks everything up to and including `ticket` delivered; persists the cursor. */
  ack(ticket: number): Promise<void>;
  /** The records last peeked were not delivered (they stay, first in line). */
  release(): Promise<void>;
  /** Records appended and not yet acknowledged. */
  readonly pending: number;
  /** Bytes of every segment file on disk. */
  readonly bytes: number;
  close(): Promise<void>;
}

/**
 * A record and the envelope sequences it stands for: an envelope stands for
 * itself (first = last = its sequence, count 1); a loss notice (`gap`) for
 * the envelopes it announces, so evicting a notice announces its gap again.
 */
export interface SpoolRecord {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  readonly gap: boolean;
  readonly payload: Buffer;
}

export interface PeekedRecord {
  /** Pass to ack(); valid only while this spool is open. */
  readonly ticket: number;
  readonly payload: Buffer;
}

export interface SpoolRecovery {
  readonly records: number;
  /** Bytes cut from segment tails that did not hold a whole, valid record. */
  readonly tornBytes: number;
}

/**
 * Envelopes that left the spool undelivered (oldest-first eviction past
 * maxBytes): `count` of them, within first..last, and every envelope of
 * this spool in that range. One per run of consecutive records, one per
 * evicted notice, so ranges never overlap.
 */
export interface Eviction {
  readonly count: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  /** An evicted loss notice: these envelopes were counted lost when first evicted. */
  readonly again: boolean;
}

export interface SpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** A segment is closed and a new one started past this size; eviction frees whole segments. */
  readonly segmentBytes: number;
  readonly onEvict: (e: Eviction) => void;
}

const HEADER = 28;
const CRC_FROM = 8;
const CURSOR = 'cursor.json';
const SEGMENT_RE = /^(\d{16})\.seg$/;
const GAP_BIT = 0x8000_0000;
const COUNT_MASK = 0x7fff_ffff;

type Cover = Omit<SpoolRecord, 'payload'>;

interface Segment {
  readonly id: number;
  readonly path: string;
  size: number;
  /** Per record: its ticket is `firstTicket + index`. */
  readonly offsets: number[];
  readonly lengths: number[];
  readonly covers: Cover[];
  readonly firstTicket: number;
}

export function createSpool(opts: SpoolOptions): Spool {
  const segments: Segment[] = [];
  let nextTicket = 0;
  /** First ticket not yet acknowledged. */
  let cursor = 0;
  let totalBytes = 0;
  let active: FileHandle | undefined;
  let activeId = -1;
  const handles = new Map<number, FileHandle>();
  /** Highest segment id ever used here (files or cursor), so a new id is never one a cursor already passed. */
  let lastId = 0;
  /** A peeked batch is out for delivery; eviction waits for its ack or release. */
  let inFlight = false;
  /** Every operation runs alone: an eviction must not delete a segment a peek is reading. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  const segName = (id: number) => join(opts.dir, `${String(id).padStart(16, '0')}.seg`);
  const ticketsIn = (s: Segment) => s.offsets.length;
  const endTicket = (s: Segment) => s.firstTicket + ticketsIn(s);

  async function readHandle(s: Segment): Promise<FileHandle> {
    let h = handles.get(s.id);
    if (!h) {
      h = await open(s.path, 'r');
      handles.set(s.id, h);
    }
    return h;
  }

  async function dropSegment(s: Segment): Promise<void> {
    const h = handles.get(s.id);
    handles.delete(s.id);
    await h?.close().catch(() => undefined);
    if (s.id === activeId) {
      await active?.close().catch(() => undefined);
      active = undefined;
      activeId = -1;
    }
    totalBytes -= s.size;
    await rm(s.path, { force: true });
  }

  async function newSegment(): Promise<Segment> {
    const id = ++lastId;
    const s: Segment = { id, path: segName(id), size: 0, offsets: [], lengths: [], covers: [], firstTicket: nextTicket };
    await active?.close().catch(() => undefined);
    active = await open(s.path, 'a');
    activeId = id;
    segments.push(s);
    return s;
  }

  /** Deletes leading segments that are entirely delivered, except the one being written. */
  async function trimDelivered(): Promise<void> {
    while (segments.length > 0) {
      const s = segments[0]!;
      if (endTicket(s) > cursor || s.id === activeId) break;
      segments.shift();
      await dropSegment(s);
    }
  }

  async function evictBeyondCap(): Promise<void> {
    if (inFlight) return;
    while (totalBytes > opts.maxBytes && segments.length > 1) {
      const s = segments.shift()!;
      const from = Math.max(cursor, s.firstTicket) - s.firstTicket;
      let run: Eviction | undefined;
      for (const c of s.covers.slice(from)) {
        if (c.gap) {
          if (run) opts.onEvict(run);
          run = undefined;
          opts.onEvict({ count: c.count, firstSequence: c.first, lastSequence: c.last, again: true });
        } else run = run ? { ...run, count: run.count + c.count, lastSequence: c.last } : { count: c.count, firstSequence: c.first, lastSequence: c.last, again: false };
      }
      if (run) opts.onEvict(run);
      cursor = Math.max(cursor, endTicket(s));
      await dropSegment(s);
    }
  }

  async function persistCursor(): Promise<void> {
    const s = segments.find((seg) => cursor < endTicket(seg));
    const at = s ? { segment: s.id, offset: s.offsets[cursor - s.firstTicket]! } : { segment: lastId + 1, offset: 0 };
    const tmp = join(opts.dir, `${CURSOR}.tmp`);
    await writeFile(tmp, JSON.stringify(at));
    await rename(tmp, join(opts.dir, CURSOR));
  }

  return {
    get pending() {
      return nextTicket - cursor;
    },
    get bytes() {
      return totalBytes;
    },

    open: () =>
      serial(async () => {
        await mkdir(opts.dir, { recursive: true });
        let at = { segment: 0, offset: 0 };
        try {
          const raw = JSON.parse(await readFile(join(opts.dir, CURSOR), 'utf8')) as { segment?: unknown; offset?: unknown };
          if (Number.isSafeInteger(raw.segment) && Number.isSafeInteger(raw.offset)) at = { segment: raw.segment as number, offset: raw.offset as number };
        } catch {
          // No cursor (first start) or an unreadable one: deliver everything again (at-least-once).
        }
        const ids = (await readdir(opts.dir))
          .map((f) => SEGMENT_RE.exec(f))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => Number(m[1]))
          .sort((a, b) => a - b);
        let tornBytes = 0;
        lastId = Math.max(at.segment, ids.at(-1) ?? 0);
        cursor = -1;
        for (const id of ids) {
          const path = segName(id);
          if (id < at.segment) {
            await rm(path, { force: true });
            continue;
          }
          const buf = await readFile(path);
          const s: Segment = { id, path, size: 0, offsets: [], lengths: [], covers: [], firstTicket: nextTicket };
          let off = 0;
          while (off + HEADER <= buf.length) {
            const len = buf.readUInt32LE(off);
            if (off + HEADER + len > buf.length) break;
            if (crc32(buf.subarray(off + CRC_FROM, off + HEADER + len)) !== buf.readUInt32LE(off + 4)) break;
            if (cursor < 0 && (id > at.segment || off >= at.offset)) cursor = nextTicket;
            s.offsets.push(off);
            s.lengths.push(len);
            const packed = buf.readUInt32LE(off + CRC_FROM + 16);
            s.covers.push({ first: buf.readDoubleLE(off + CRC_FROM), last: buf.readDoubleLE(off + CRC_FROM + 8), count: packed & COUNT_MASK, gap: packed > COUNT_MASK });
            nextTicket++;
            off += HEADER + len;
          }
          if (off < buf.length) {
            tornBytes += buf.length - off;
            const h = await open(path, 'r+');
            await h.truncate(off);
            await h.close();
          }
          s.size = off;
          totalBytes += off;
          segments.push(s);
        }
        if (cursor < 0) cursor = nextTicket;
        // Appends always start a fresh segment: an old tail is never reopened for writing.
        await trimDelivered();
        return { records: nextTicket - cursor, tornBytes };
      }),

    append: (records) =>
      serial(async () => {
        let i = 0;
        while (i < records.length) {
          let s = segments.at(-1);
          if (!s || s.id !== activeId || s.size >= opts.segmentBytes) s = await newSegment();
          const parts: Buffer[] = [];
          let added = 0;
          while (i < records.length && (added === 0 || s.size + added < opts.segmentBytes)) {
            const r = records[i++]!;
            const header = Buffer.allocUnsafe(HEADER);
            header.writeUInt32LE(r.payload.length, 0);
            header.writeDoubleLE(r.first, CRC_FROM);
            header.writeDoubleLE(r.last, CRC_FROM + 8);
            header.writeUInt32LE(((r.count & COUNT_MASK) | (r.gap ? GAP_BIT : 0)) >>> 0, CRC_FROM + 16);
            header.writeUInt32LE(crc32(r.payload, crc32(header.subarray(CRC_FROM))), 4);
            parts.push(header, r.payload);
            s.offsets.push(s.size + added);
            s.lengths.push(r.payload.length);
            s.covers.push({ first: r.first, last: r.last, count: r.count, gap: r.gap });
            added += HEADER + r.payload.length;
          }
          const chunk = Buffer.concat(parts, added);
          let written = 0;
          while (written < chunk.length) written += (await active!.write(chunk, written)).bytesWritten;
          s.size += added;
          totalBytes += added;
          nextTicket += parts.length / 2;
        }
        await evictBeyondCap();
      }),

    peek: (max) =>
      serial(async () => {
        const out: PeekedRecord[] = [];
        let t = cursor;
        for (const s of segments) {
          if (out.length >= max) break;
          if (t >= endTicket(s)) continue;
          const from = t - s.firstTicket;
          const to = Math.min(ticketsIn(s), from + (max - out.length));
          const start = s.offsets[from]!;
          const end = s.offsets[to - 1]! + HEADER + s.lengths[to - 1]!;
          const buf = Buffer.allocUnsafe(end - start);
          const h = await readHandle(s);
          let got = 0;
          while (got < buf.length) {
            const { bytesRead } = await h.read(buf, got, buf.length - got, start + got);
            if (bytesRead === 0) throw new SpoolError(`spool segment ${s.path} is shorter than its index`);
            got += bytesRead;
          }
          for (let k = from; k < to; k++) {
            const o = s.offsets[k]! - start + HEADER;
            out.push({ ticket: s.firstTicket + k, payload: buf.subarray(o, o + s.lengths[k]!) });
          }
          t = s.firstTicket + to;
        }
        inFlight = out.length > 0;
        return out;
      }),

    ack: (ticket) =>
      serial(async () => {
        inFlight = false;
        if (ticket >= cursor) {
          cursor = Math.min(ticket + 1, nextTicket);
          await trimDelivered();
          await persistCursor();
        }
        await evictBeyondCap();
      }),

    release: () =>
      serial(async () => {
        inFlight = false;
        await evictBeyondCap();
      }),

    close: () =>
      serial(async () => {
        for (const h of handles.values()) await h.close().catch(() => undefined);
        handles.clear();
        await active?.close().catch(() => undefined);
        active = undefined;
        activeId = -1;
      }),
  };
}

/** Bytes a record takes on disk besides its payload. */
export const RECORD_HEADER_BYTES = HEADER;
