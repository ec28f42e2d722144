import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * The workloads bench/audit times. Each is a fresh process, started after
 * the audit state under test is set: the kernel gives a process its audit
 * context when it is forked.
 */

export interface Timed {
  readonly ms: number;
  readonly stdout: string;
}

export async function timed(cmd: string, args: readonly string[]): Promise<Timed> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${cmd} exited ${code}: ${stderr}`);
  return { ms, stdout };
}

/** `dd bs=1`: two syscalls (read, write) per byte, none of them audited by any plan. */
export function ddBytes(bytes: number): Promise<Timed> {
  return timed('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${bytes}`, 'status=none']);
}

/**
 * `n` openat+close of one file in a Python loop; prints the loop's wall seconds and the CPU
 * seconds (user + system) the process spent in it. The kernel formats audit records in the
 * audited process's own syscall exit, so its CPU is the intrinsic cost; the wall time adds
 * the waits on a full backlog (the agent not keeping up).
 */
export async function pyOpens(path: string, n: number): Promise<{ wallMs: number; cpuMs: number }> {
  const script = [
    'import os,time,resource',
    'def cpu():',
    '  r=resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime+r.ru_stime',
    `p=${JSON.stringify(path)}`,
    't=time.perf_counter(); c=cpu()',
    `for _ in range(${n}):`,
    '  os.close(os.open(p, os.O_RDONLY))',
    'print(time.perf_counter()-t, cpu()-c)',
  ].join('\n');
  const [wall, cpu] = (await timed('python3', ['-c', script])).stdout.trim().split(' ').map(Number) as [number, number];
  return { wallMs: wall * 1000, cpuMs: cpu * 1000 };
}

/** openat of `path` paced at `rate` per second for `seconds`; prints "count elapsed". */
export function pyPacedOpens(path: string, rate: number, seconds: number): Promise<Timed> {
  const script = [
    'import os,time',
    `rate=${rate}; dur=${seconds}; p=${JSON.stringify(path)}`,
    'n=0; t0=time.perf_counter(); end=t0+dur',
    'while True:',
    '  now=time.perf_counter()',
    '  if now>=end: break',
    '  target=int((now-t0)*rate)',
    '  while n<target:',
    '    os.close(os.open(p, os.O_RDONLY)); n+=1',
    '  time.sleep(0.0005)',
    'print(n, time.perf_counter()-t0)',
  ].join('\n');
  return timed('python3', ['-c', script]);
}

const SERVER = `const http=require('http');const s=http.createServer((q,r)=>{r.end('ok')});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>{process.stdout.write(s.address().port+'\\n')});`;

const CLIENT = `const http=require('http');const [port,secs,conc,keep]=process.argv.slice(1).map(Number);
const agent=new http.Agent({keepAlive:keep===1,maxSockets:conc});let n=0,errs=0;const end=Date.now()+secs*1000;
function one(){if(Date.now()>=end)return done();http.get({host:'127.0.0.1',port,path:'/',agent},(r)=>{r.resume();r.on('end',()=>{n++;one();});}).on('error',()=>{errs++;one();});}
let left=conc;function done(){if(--left===0){process.stdout.write(JSON.stringify({n,errs,secs})+'\\n');process.exit(0);}}
for(let i=0;i<conc;i++)one();`;

/** Requests per second of a Node HTTP server on loopback under a Node client (`concurrency` in flight), both fresh processes. */
export async function httpLoad(seconds: number, concurrency: number, keepAlive: boolean): Promise<number> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    const r = await timed(process.execPath, ['-e', CLIENT, String(port), String(seconds), String(concurrency), keepAlive ? '1' : '0']);
    const { n, errs } = JSON.parse(r.stdout) as { n: number; errs: number };
    if (errs > n / 100) throw new Error(`http load: ${errs} errors for ${n} requests`);
    return n / seconds;
  } finally {
    server.kill('SIGKILL');
  }
}
