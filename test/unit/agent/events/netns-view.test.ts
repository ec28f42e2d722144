import { describe, expect, it } from 'vitest';
import { NetnsView } from '../../../../agent/events/netns-view.js';
import { proc, sock } from './fixtures.js';

describe('NetnsView', () => {
  it('indexes sockets and listening ports by netns', () => {
    const view = new NetnsView(() => true);
    const listen = sock({ inode: 1, state: 'LISTEN', localPort: 80, netns: 1 });
    const other = sock({ inode: 2, netns: 2 });
    view.refresh([listen, other], [], false);
    expect(view.socketsInNetns(1)).toEqual([listen]);
    expect(view.socketsInNetns(3)).toEqual([]);
    expect(view.listening.get(1)).toEqual(new Set([80]));
  });

  it('names a netns after its first container process, rebuilt when processes come or go (a reused netns inode names the new pod)', () => {
    const view = new NetnsView(() => true);
    view.refresh([], [proc({ pid: 1, netns: 5, containerId: 'pause-a' }), proc({ pid: 2, netns: 5, containerId: 'app-a' })], true);
    expect(view.containerOfNetns(5)).toBe('pause-a');
    view.refresh([], [proc({ pid: 3, netns: 5, containerId: 'pause-b' })], false);
    expect(view.containerOfNetns(5)).toBe('pause-a'); // no process came or went: kept
    view.refresh([], [proc({ pid: 3, netns: 5, containerId: 'pause-b' })], true);
    expect(view.containerOfNetns(5)).toBe('pause-b');
  });

  it('an exec between scans names an unnamed netns, or one whose container is gone', () => {
    const live = new Set(['a']);
    const view = new NetnsView((id) => live.has(id));
    view.note(proc({ pid: 1, netns: 5 }));
    expect(view.containerOfNetns(5)).toBeUndefined();
    view.note(proc({ pid: 1, netns: 5, containerId: 'a' }));
    view.note(proc({ pid: 2, netns: 5, containerId: 'b' }));
    expect(view.containerOfNetns(5)).toBe('a');
    live.delete('a');
    view.note(proc({ pid: 2, netns: 5, containerId: 'b' }));
    expect(view.containerOfNetns(5)).toBe('b');
  });
});
