import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpool, type Eviction } from '../../../../agent/delivery/spool.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (n: number, size = 10) => ({ first: n, last: n, count: 1, gap: false, payload: Buffer.from(`${n}:`.padEnd(size, 'x')) });
const text = (rs: readonly { payload: Buffer }[]) => rs.map((r) => r.payload.toString().split(':')[0]);

function spool(dir: string, maxBytes = 1 << 20, segmentBytes = 4096, evictions: Eviction[] = []) {
  return createSpool({ dir, maxBytes, segmentBytes, onEvict: (e) => evictions.push(e) });
}

describe('spool', () => {
  it('gives records back in order, and an acknowledged record never again', async () => {
    const s = spool(tempDir());
    await s.open();
    await s.append([rec(1), rec(2), rec(3)]);
    const first = await s.peek(2);
    expect(text(first)).toEqual(['1', '2']);
    expect(text(await s.peek(10))).toEqual(['1', '2', '3']);
    await s.ack(first[1]!.ticket);
    expect(text(await s.peek(10))).toEqual(['3']);
    expect(s.pending).toBe(1);
    await s.close();
  });

  it('keeps undelivered records across a restart, and only those', async () => {
    const dir = tempDir();
    const a = spool(dir, 1 << 20, 64);
    await a.open();
    for (let i = 1; i <= 20; i++) await a.append([rec(i)]);
    const got = await a.peek(7);
    await a.ack(got.at(-1)!.ticket);
    await a.close(); // a SIGKILL skips close(): the next test covers the torn case

    const b = spool(dir, 1 << 20, 64);
    expect(await b.open()).toEqual({ records: 13, tornBytes: 0 });
    expect(text(await b.peek(100))).toEqual(Array.from({ length: 13 }, (_, i) => String(i + 8)));
    await b.append([rec(21)]);
    expect(text(await b.peek(100)).at(-1)).toBe('21');
    await b.close();
  });

  it('cuts a torn last record and a corrupt one, keeps what came before, and keeps working', async () => {
    const dir = tempDir();
    const a = spool(dir);
    await a.open();
    await a.append([rec(1), rec(2), rec(3)]);
    await a.close();
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
    const size = statSync(seg).size;
    truncateSync(seg, size - 4); // the last record lost its last 4 bytes

    const b = spool(dir);
    expect(await b.open()).toEqual({ records: 2, tornBytes: size / 3 - 4 });
    expect(text(await b.peek(10))).toEqual(['1', '2']);
    await b.append([rec(4)]);
    await b.close();

    // A flipped byte inside the newest segment's only record: the crc catches it.
    const newest = join(
      dir,
      readdirSync(dir)
        .filter((f) => f.endsWith('.seg'))
        .sort()
        .at(-1)!,
    );
    const bytes = readFileSync(newest);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(newest, bytes);
    appendFileSync(newest, Buffer.from([1, 2, 3]));
    const c = spool(dir);
    const r = await c.open();
    expect(r.records).toBe(2);
    expect(r.tornBytes).toBe(bytes.length + 3);
    expect(text(await c.peek(10))).toEqual(['1', '2']);
    await c.close();
  });

  it('evicts the oldest segments past maxBytes and says which sequences it lost', async () => {
    const evictions: Eviction[] = [];
    const s = spool(tempDir(), 500, 100, evictions);
    await s.open();
    for (let i = 1; i <= 30; i++) await s.append([rec(i, 20)]); // 48 bytes a record on disk
    expect(s.bytes).toBeLessThanOrEqual(500);
    const kept = text(await s.peek(100)).map(Number);
    const lost = evictions.reduce((n, e) => n + e.count, 0);
    expect(lost + kept.length).toBe(30);
    expect(kept.at(-1)).toBe(30);
    expect(evictions[0]!.firstSequence).toBe(1);
    // Contiguous: each eviction starts where the previous one ended, and the survivors after that.
    let next = 1;
    for (const e of evictions) {
      expect(e.firstSequence).toBe(next);
      next = e.lastSequence + 1;
      expect(e.count).toBe(e.lastSequence - e.firstSequence + 1);
    }
    expect(kept[0]).toBe(next);
    await s.close();
  });

  it('never evicts a record being sent: eviction waits for its ack or release', async () => {
    const evictions: Eviction[] = [];
    const s = spool(tempDir(), 300, 100, evictions);
    await s.open();
    await s.append([rec(1, 20), rec(2, 20)]);
    const inFlight = await s.peek(1);
    for (let i = 3; i <= 20; i++) await s.append([rec(i, 20)]);
    expect(evictions).toEqual([]);
    await s.ack(inFlight[0]!.ticket);
    const lost = evictions.reduce((n, e) => n + e.count, 0);
    expect(evictions[0]!.firstSequence).toBe(2); // 1 was delivered, so never announced
    const rest = text(await s.peek(100)).map(Number);
    expect(rest.at(-1)).toBe(20);
    expect(1 + lost + rest.length).toBe(20);
    await s.release();
    expect(s.bytes).toBeLessThanOrEqual(300);
    await s.close();
  });

  it('a record standing for a gap passes its whole gap on when it is evicted', async () => {
    const evictions: Eviction[] = [];
    const s = spool(tempDir(), 300, 90, evictions);
    await s.open();
    await s.append([rec(41, 20), { first: 1, last: 40, count: 25, gap: true, payload: Buffer.from('notice'.padEnd(20)) }]);
    for (let i = 42; i <= 60; i++) await s.append([rec(i, 20)]);
    expect(evictions.slice(0, 2)).toEqual([
      { count: 1, firstSequence: 41, lastSequence: 41, again: false },
      { count: 25, firstSequence: 1, lastSequence: 40, again: true },
    ]);
    await s.close();
  });

  it('removes delivered segments from disk', async () => {
    const dir = tempDir();
    const s = spool(dir, 1 << 20, 64);
    await s.open();
    for (let i = 1; i <= 20; i++) await s.append([rec(i)]);
    const all = await s.peek(100);
    await s.ack(all.at(-1)!.ticket);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeLessThanOrEqual(1);
    await s.close();
    const again = spool(dir, 1 << 20, 64);
    expect((await again.open()).records).toBe(0);
    await again.append([rec(21)]);
    await again.close();
    const third = spool(dir, 1 << 20, 64);
    expect((await third.open()).records).toBe(1);
    await third.close();
  });
});
