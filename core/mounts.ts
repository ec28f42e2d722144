/**
 * One mount the runtime made for a container, as Docker's inspect `Mounts`
 * and CRI's `ContainerStatus.mounts` give it and Falco's container.mount.*
 * fields read it: the collectors fill it (collectors/model.ts ContainerInfo)
 * and the rule events carry it (rules/event.ts ContainerFields).
 */
export interface ContainerMount {
  /** Host path (or volume path). */
  readonly source: string;
  /** Path inside the container. */
  readonly dest: string;
  /** Docker's mode string (`ro`, `z`...); '' from CRI. */
  readonly mode: string;
  readonly rdwr: boolean;
  /** Docker's as given (`rprivate`...); CRI's enum as Falco's container plugin names it (private, rslave, rshared); '' when none. */
  readonly propagation: string;
}
