import { flagHelp } from '../config/docs.js';

export const USAGE = `vigil — runtime security sensor for Kubernetes nodes

Usage:
  vigil agent [options]                  run the sensor (see vigil agent --help)
  vigil rules validate FILE...           check rule files; exit 1 with file:line:col messages
  vigil rules test RULES... --events F   print the alerts the events in F (JSON lines) raise
  vigil rules fields                     list the fields rule conditions can use
  vigil tail [--addr HOST:PORT] [--json] [filters]
                                         stream an agent's events and alerts (vigil tail --help)
  vigil baseline export [--format networkpolicy|json] [--baseline FILE] [--out FILE]
                                         write the learned pod connections as NetworkPolicy YAML
  vigil --help | --version
`;

export function agentHelp(): string {
  return `Usage: vigil agent [options]

Runs the sensor: discovers containers, watches processes and sockets, runs
the rules and prints alerts on stdout; JSON logs go to stderr. Every option
can also be set with its VIGIL_* environment variable or in the --config
file (camelCase keys). Precedence: flag > env > file > default. A bad value
stops the agent with exit code 2 and a message naming the key.

HTTP: GET /metrics (Prometheus), /healthz, /readyz on --metrics-addr.
The gRPC event stream (--grpc-addr) serves vigil.v1.EventService; \`vigil tail\` reads it.

Options:
${flagHelp()}
  -h, --help
      This help.
`;
}
