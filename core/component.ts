/**
 * The lifecycle every collector and output follows (OpenTelemetry Collector
 * style): a factory `createX(deps, cfg)` returns a Component. `start` begins
 * work and resolves once the component is ready; `stop` is idempotent, safe
 * before `start`, and resolves once every timer, watcher and socket is closed.
 */
export interface Component {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}
