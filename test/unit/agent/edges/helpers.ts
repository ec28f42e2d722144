import type { VigilEvent } from '../../../../rules/event.js';

export { metricValue, reportedText, testDeps } from '../../../helpers/deps.js';

const WEB_LABELS = { app: 'web', 'pod-template-hash': '7d4b9c' };
const API_LABELS = { app: 'api', 'pod-template-hash': '5f6c7d' };

/** A connect (client side) or accept (server side) event as agent/events builds them. */
export function connEvent(type: 'connect' | 'accept', opts: { own: 'web' | 'api' | 'plain' | 'host'; cip: string; cport: number; sip: string; sport: number; netns: number }): VigilEvent {
  const out = type === 'connect';
  const e: { -readonly [K in keyof VigilEvent]: VigilEvent[K] } = {
    type,
    source: 'syscall',
    timeMs: 1,
    fd: {
      type: 'ipv4',
      l4proto: 'tcp',
      cip: opts.cip,
      cport: opts.cport,
      sip: opts.sip,
      sport: opts.sport,
      lip: out ? opts.cip : opts.sip,
      lport: out ? opts.cport : opts.sport,
      rip: out ? opts.sip : opts.cip,
      rport: out ? opts.sport : opts.cport,
      netns: opts.netns,
      direction: out ? 'out' : 'in',
    },
  };
  if (opts.own === 'web' || opts.own === 'api') {
    const labels = opts.own === 'web' ? WEB_LABELS : API_LABELS;
    e.container = { id: `${opts.own}`.padEnd(64, '0') };
    e.k8s = {
      ns: 'shop',
      podName: `${opts.own}-${labels['pod-template-hash']}-abcde`,
      podLabels: labels,
      containerName: opts.own === 'web' ? 'nginx' : 'server',
      workloadKind: 'Deployment',
      workloadName: opts.own,
    };
  } else if (opts.own === 'plain') {
    e.container = { id: 'c'.repeat(64), name: 'redis' };
  }
  return e;
}
