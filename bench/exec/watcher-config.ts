/** The exec watcher on this host's /proc as the exec benchmark runs it (the agent's own re-inspection delays); the exec integration test uses the same. */
export function hostExecWatcherConfig(mode: 'netlink' | 'poll') {
  return Object.freeze({
    procRoot: '/proc',
    passwdPath: '/etc/passwd',
    maxCmdlineBytes: 4096,
    mode,
    pollIntervalMs: 100,
    reinspectDelaysMs: [50, 250],
  });
}
