import { FilterError } from './filter.js';

const NAME = /^[A-Za-z0-9_.:@-]{1,64}$/;

/**
 * What a subscriber is called in the agent's metrics: the subscriber_name it
 * sends (stable across reconnects, so its counters continue), else its
 * peer's address without the port (grpc-js gives `10.0.0.5:41234`,
 * `::ffff:10.0.0.5:41234` or `::1:41234`, and `unknown` for a unix socket).
 * A name is a label value clients choose, so it is short and plain;
 * anything else is refused, not rewritten.
 */
export function subscriberName(requested: string | undefined, peer: string): string {
  if (requested) {
    if (!NAME.test(requested)) throw new FilterError(`subscriber_name: 1 to 64 of A-Z a-z 0-9 _ . : @ - (got ${JSON.stringify(requested.slice(0, 80))})`);
    return requested;
  }
  const host = peer
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return NAME.test(host) ? host : 'unknown';
}
