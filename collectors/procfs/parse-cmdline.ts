/**
 * argv from the bytes of /proc/<pid>/cmdline: NUL-separated, with a trailing
 * NUL. Non-UTF-8 bytes become U+FFFD (never throws). A process that rewrote
 * its argv area with spaces (nginx, postgres) yields one element, as ps shows
 * it. Kernel threads and zombies have an empty cmdline and yield [].
 */
export function parseCmdline(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const end = bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end).split('\0');
}
