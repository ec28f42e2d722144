import type { CollectorDeps } from '../../core/deps.js';
import type { OutputConfig } from './output-config.js';
import { createPushOutput, type PushOutput, type PushOutputOptions, type PushSink } from './push-output.js';
import { createAlertmanagerSink } from './sinks/alertmanager.js';
import { createFileSink } from './sinks/file.js';
import { createHttpSink } from './sinks/http.js';
import { createNatsSink } from './sinks/nats.js';
import { createSyslogSink } from './sinks/syslog.js';

/** One PushOutput per entry of the `outputs:` config list. */
export function createPushOutputs(deps: CollectorDeps, configs: readonly OutputConfig[], opts: PushOutputOptions): PushOutput[] {
  return configs.map((cfg) => createPushOutput(deps, cfg, opts, () => sinkFor(cfg)));
}

function sinkFor(cfg: OutputConfig): PushSink {
  switch (cfg.type) {
    case 'file':
      return createFileSink(cfg);
    case 'http':
      return createHttpSink(cfg);
    case 'syslog':
      return createSyslogSink(cfg);
    case 'alertmanager':
      return createAlertmanagerSink(cfg);
    case 'nats':
      return createNatsSink(cfg);
  }
}
