import type { VigilEvent } from '../event.js';
import { keyed, plain } from './helpers.js';
import type { FieldDef } from './types.js';

// Falco reports host processes with container.id = "host".
const hostOr = (e: VigilEvent): boolean => e.container === undefined;

// The agent reuses one ContainerFields object per container: cache its short id.
const shortIds = new WeakMap<object, string>();
const shortIdOf = (e: VigilEvent): string => {
  const c = e.container;
  if (c === undefined) return 'host';
  let id = shortIds.get(c);
  if (id === undefined) {
    id = c.id.slice(0, 12);
    shortIds.set(c, id);
  }
  return id;
};

/**
 * container.id = v without computing the short id: "host" is the absence of a
 * container; a 12-character v is a prefix of the full id; a full id shorter
 * than 12 characters is its own short id. container.id is never missing.
 */
function shortIdIs(v: string): (e: VigilEvent) => boolean {
  if (v === 'host') return (e) => e.container === undefined || e.container.id === 'host';
  if (v.length === 12)
    return (e) => {
      const c = e.container;
      return c?.id.startsWith(v) === true;
    };
  if (v.length > 12) return () => false;
  return (e) => e.container?.id === v;
}
const shortIdTest = (v: string, negate: boolean): ((e: VigilEvent) => boolean) => {
  const is = shortIdIs(v);
  return negate ? (e) => !is(e) : is;
};

export const labelList = (m: Readonly<Record<string, string>> | undefined): readonly string[] | undefined => (m === undefined ? undefined : Object.entries(m).map(([k, v]) => `${k}:${v}`));

export const containerFields: readonly FieldDef[] = [
  plain('container.id', 'string', 'First 12 characters of the container id, or "host".', shortIdOf, { derived: true, eqTest: shortIdTest }),
  plain('container.full_id', 'string', 'Full container id, or "host".', (e) => (hostOr(e) ? 'host' : e.container!.id)),
  plain('container.name', 'string', 'Container name, or "host".', (e) => (hostOr(e) ? 'host' : e.container!.name)),
  plain('container.image', 'string', 'Image reference as given to the runtime (repository:tag).', (e) => e.container?.image),
  plain('container.image.repository', 'string', 'Image repository.', (e) => e.container?.imageRepository),
  plain('container.image.tag', 'string', 'Image tag.', (e) => e.container?.imageTag),
  plain('container.image.id', 'string', 'Image id (digest).', (e) => e.container?.imageId),
  plain('container.image.digest', 'string', 'Image digest (sha256:...) when the runtime gave one.', (e) => e.container?.imageDigest),
  plain('container.privileged', 'bool', 'True for a privileged container.', (e) => e.container?.privileged),
  keyed('container.label', 'string', 'A container label: container.label[KEY].', (k) => (e) => e.container?.labels?.[k]),
  plain('container.labels', 'list', 'All container labels as KEY:VALUE strings.', (e) => labelList(e.container?.labels), { derived: true }),
  plain('container.start_ts', 'number', 'Container start time, ns since the epoch.', (e) => (e.container?.startTimeSec === undefined ? undefined : e.container.startTimeSec * 1e9)),
  plain('container.type', 'string', 'Container runtime: docker, containerd, cri-o, podman.', (e) => e.container?.runtime),
  plain('container.runtime', 'string', 'Alias of container.type.', (e) => e.container?.runtime, { vigil: true }),
  plain('container.state', 'string', 'On container events: started, running (found running when the agent started) or stopped.', (e) => e.container?.state, { vigil: true }),
];
