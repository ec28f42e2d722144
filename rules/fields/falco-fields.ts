/**
 * Field names Falco knows, as data: a rule naming one of these that vigil
 * does not provide loads disabled with a warning; a name that is neither
 * vigil's nor in here is a load error (a typo). `name[]` takes an argument
 * (`proc.aname[2]`, `container.label[app]`); `evt.arg[]`/`evt.rawarg[]`
 * also accept the dotted form `evt.arg.NAME`.
 *
 * Derived (names only, no descriptions) from:
 * - libsinsp: the field tables of userspace/libsinsp/sinsp_filtercheck_*.cpp in
 *   falcosecurity/libs at 48dfd53cd23f95720521d41b89883bbc35c8567f
 *   (git describe 0.25.0-rc1-115-g48dfd53cd, 2026-07-22); `[]` where the table
 *   says EPF_ARG_REQUIRED or EPF_ARG_ALLOWED.
 * - plugins: the "Supported fields" tables of plugins/{container,k8smeta,k8saudit}/README.md
 *   in falcosecurity/plugins at 0b3cbd8d84eba83877159cf3c9fdae1820084c26
 *   (container 0.7.0, k8smeta 0.4.1; 2026-08-04).
 * Regenerate the same way when Falco adds fields (docs/rules-fidelity.md).
 */
export const FALCO_FIELDS_SOURCE = 'falcosecurity/libs@48dfd53cd23f (0.25.0-rc1-115) + falcosecurity/plugins@0b3cbd8d84eb (container 0.7.0, k8smeta 0.4.1, k8saudit)';

export const FALCO_FIELDS: Readonly<Record<string, readonly string[]>> = {
  libsinsp: [
    'evt.latency', 'evt.latency.s', 'evt.latency.ns', 'evt.latency.quantized', 'evt.latency.human', 'evt.deltatime',
    'evt.deltatime.s', 'evt.deltatime.ns', 'evt.outputtime', 'evt.dir', 'evt.type', 'evt.type.is[]', 'syscall.type',
    'evt.category', 'evt.cpu', 'evt.args', 'evt.arg[]', 'evt.rawarg[]', 'evt.info', 'evt.buffer', 'evt.buflen',
    'evt.res', 'evt.rawres', 'evt.failed', 'evt.is_io', 'evt.is_io_read', 'evt.is_io_write', 'evt.io_dir',
    'evt.is_wait', 'evt.wait_latency', 'evt.is_syslog', 'evt.count', 'evt.count.error', 'evt.count.error.file',
    'evt.count.error.net', 'evt.count.error.memory', 'evt.count.error.other', 'evt.count.exit', 'evt.count.procinfo',
    'evt.count.threadinfo', 'evt.abspath[]', 'evt.buflen.in', 'evt.buflen.out', 'evt.buflen.file',
    'evt.buflen.file.in', 'evt.buflen.file.out', 'evt.buflen.net', 'evt.buflen.net.in', 'evt.buflen.net.out',
    'evt.is_open_read', 'evt.is_open_write', 'evt.infra.docker.name', 'evt.infra.docker.container.id',
    'evt.infra.docker.container.name', 'evt.infra.docker.container.image', 'evt.is_open_exec', 'evt.is_open_create',
    'fd.num', 'fd.type', 'fd.typechar', 'fd.name', 'fd.directory', 'fd.filename', 'fd.ip', 'fd.cip', 'fd.sip',
    'fd.lip', 'fd.rip', 'fd.port', 'fd.cport', 'fd.sport', 'fd.lport', 'fd.rport', 'fd.l4proto', 'fd.sockfamily',
    'fd.is_server', 'fd.uid', 'fd.containername', 'fd.containerdirectory', 'fd.proto', 'fd.cproto', 'fd.sproto',
    'fd.lproto', 'fd.rproto', 'fd.net', 'fd.cnet', 'fd.snet', 'fd.lnet', 'fd.rnet', 'fd.connected', 'fd.name_changed',
    'fd.cip.name', 'fd.sip.name', 'fd.lip.name', 'fd.rip.name', 'fd.dev', 'fd.dev.major', 'fd.dev.minor', 'fd.ino',
    'fd.nameraw', 'fd.types[]', 'fd.is_upper_layer', 'fd.is_lower_layer', 'fdlist.nums', 'fdlist.names',
    'fdlist.cips', 'fdlist.sips', 'fdlist.cports', 'fdlist.sports', 'fs.path.name', 'fs.path.nameraw',
    'fs.path.source', 'fs.path.sourceraw', 'fs.path.target', 'fs.path.targetraw', 'evt.num', 'evt.time', 'evt.time.s',
    'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s', 'evt.rawtime', 'evt.rawtime.s', 'evt.rawtime.ns',
    'evt.reltime', 'evt.reltime.s', 'evt.reltime.ns', 'evt.pluginname', 'evt.plugininfo', 'evt.source',
    'evt.is_async', 'evt.asynctype', 'evt.hostname', 'group.gid', 'group.name', 'proc.exe', 'proc.pexe',
    'proc.aexe[]', 'proc.exepath', 'proc.pexepath', 'proc.aexepath[]', 'proc.name', 'proc.pname', 'proc.aname[]',
    'proc.args[]', 'proc.aargs[]', 'proc.cmdline', 'proc.pcmdline', 'proc.acmdline[]', 'proc.cmdnargs',
    'proc.cmdlenargs', 'proc.exeline', 'proc.env[]', 'proc.aenv[]', 'proc.cwd', 'proc.loginshellid', 'proc.tty',
    'proc.pid', 'proc.ppid', 'proc.apid[]', 'proc.vpid', 'proc.pvpid', 'proc.sid', 'proc.sname', 'proc.sid.exe',
    'proc.sid.exepath', 'proc.vpgid', 'proc.vpgid.name', 'proc.vpgid.exe', 'proc.vpgid.exepath', 'proc.pgid',
    'proc.pgid.name', 'proc.pgid.exe', 'proc.pgid.exepath', 'proc.duration', 'proc.ppid.duration', 'proc.pid.ts',
    'proc.ppid.ts', 'proc.is_exe_writable', 'proc.is_exe_upper_layer', 'proc.is_exe_lower_layer',
    'proc.is_exe_from_memfd', 'proc.is_sid_leader', 'proc.is_vpgid_leader', 'proc.is_pgid_leader', 'proc.exe_ino',
    'proc.exe_ino.ctime', 'proc.exe_ino.mtime', 'proc.exe_ino.ctime_duration_proc_start',
    'proc.exe_ino.ctime_duration_pidns_start', 'proc.pidns_init_start_ts', 'thread.cap_permitted',
    'thread.cap_inheritable', 'thread.cap_effective', 'proc.fdopencount', 'proc.fdlimit', 'proc.fdusage',
    'proc.vmsize', 'proc.vmrss', 'proc.vmswap', 'thread.pfmajor', 'thread.pfminor', 'thread.tid', 'thread.ismain',
    'thread.vtid', 'thread.nametid', 'thread.exectime', 'thread.totexectime', 'thread.cgroups', 'thread.cgroup[]',
    'proc.nthreads', 'proc.nchilds', 'thread.cpu', 'thread.cpu.user', 'thread.cpu.system', 'thread.vmsize',
    'thread.vmrss', 'thread.vmsize.b', 'thread.vmrss.b', 'proc.stdin.type', 'proc.stdout.type', 'proc.stderr.type',
    'proc.stdin.name', 'proc.stdout.name', 'proc.stderr.name', 'user.uid', 'user.name', 'user.homedir', 'user.shell',
    'user.loginuid', 'user.loginname', 'util.cnt',
  ],
  container: [
    'container.id', 'container.full_id', 'container.name', 'container.image', 'container.image.id', 'container.type',
    'container.privileged', 'container.mounts', 'container.mount', 'container.mount.source', 'container.mount.dest',
    'container.mount.mode', 'container.mount.rdwr', 'container.mount.propagation', 'container.image.repository',
    'container.image.tag', 'container.image.digest', 'container.healthcheck', 'container.liveness_probe',
    'container.readiness_probe', 'container.start_ts', 'container.duration', 'container.ip', 'container.cni.json',
    'container.host_pid', 'container.host_network', 'container.host_ipc', 'container.label', 'container.labels',
    'proc.is_container_healthcheck', 'proc.is_container_liveness_probe', 'proc.is_container_readiness_probe',
    'k8s.pod.name', 'k8s.ns.name', 'k8s.pod.id', 'k8s.pod.uid', 'k8s.pod.sandbox_id', 'k8s.pod.full_sandbox_id',
    'k8s.pod.label', 'k8s.pod.labels', 'k8s.pod.ip', 'k8s.pod.cni.json', 'k8s.rc.name', 'k8s.rc.id', 'k8s.rc.label',
    'k8s.rc.labels', 'k8s.svc.name', 'k8s.svc.id', 'k8s.svc.label', 'k8s.svc.labels', 'k8s.ns.id', 'k8s.ns.label',
    'k8s.ns.labels', 'k8s.rs.name', 'k8s.rs.id', 'k8s.rs.label', 'k8s.rs.labels', 'k8s.deployment.name',
    'k8s.deployment.id', 'k8s.deployment.label', 'k8s.deployment.labels',
  ],
  k8smeta: [
    'k8smeta.pod.name', 'k8smeta.pod.uid', 'k8smeta.pod.label', 'k8smeta.pod.labels', 'k8smeta.pod.ip',
    'k8smeta.ns.name', 'k8smeta.ns.uid', 'k8smeta.ns.label', 'k8smeta.ns.labels', 'k8smeta.deployment.name',
    'k8smeta.deployment.uid', 'k8smeta.deployment.label', 'k8smeta.deployment.labels', 'k8smeta.svc.name',
    'k8smeta.svc.uid', 'k8smeta.svc.label', 'k8smeta.svc.labels', 'k8smeta.rs.name', 'k8smeta.rs.uid',
    'k8smeta.rs.label', 'k8smeta.rs.labels', 'k8smeta.rc.name', 'k8smeta.rc.uid', 'k8smeta.rc.label',
    'k8smeta.rc.labels',
  ],
  k8saudit: [
    'ka.auditid', 'ka.stage', 'ka.auth.decision', 'ka.auth.reason', 'ka.auth.openshift.decision',
    'ka.validations.admission.policy.failure', 'ka.security.pod.violations', 'ka.auth.openshift.username',
    'ka.user.name', 'ka.user.groups', 'ka.impuser.name', 'ka.verb', 'ka.uri', 'ka.uri.param', 'ka.target.name',
    'ka.target.namespace', 'ka.target.resource', 'ka.target.subresource', 'ka.target.pod.name',
    'ka.req.binding.subjects', 'ka.req.binding.subjects.user_names', 'ka.req.binding.subjects.serviceaccount_names',
    'ka.req.binding.subjects.serviceaccount_ns_names', 'ka.req.binding.subjects.group_names', 'ka.req.binding.role',
    'ka.req.binding.subject.has_name', 'ka.req.configmap.name', 'ka.req.configmap.obj', 'ka.req.pod.containers.args',
    'ka.req.pod.containers.command', 'ka.req.pod.containers.name', 'ka.req.pod.containers.image',
    'ka.req.container.image', 'ka.req.pod.containers.image.repository', 'ka.req.container.image.repository',
    'ka.req.pod.host_ipc', 'ka.req.pod.host_network', 'ka.req.container.host_network', 'ka.req.pod.host_pid',
    'ka.req.pod.containers.host_port', 'ka.req.pod.containers.privileged', 'ka.req.container.privileged',
    'ka.req.pod.containers.allow_privilege_escalation', 'ka.req.pod.containers.read_only_fs',
    'ka.req.pod.run_as_user', 'ka.req.pod.containers.run_as_user', 'ka.req.pod.containers.eff_run_as_user',
    'ka.req.pod.run_as_group', 'ka.req.pod.containers.run_as_group', 'ka.req.pod.containers.eff_run_as_group',
    'ka.req.pod.containers.proc_mount', 'ka.req.role.rules', 'ka.req.role.rules.verbs', 'ka.req.role.rules.resources',
    'ka.req.pod.fs_group', 'ka.req.pod.supplemental_groups', 'ka.req.pod.containers.add_capabilities',
    'ka.req.service.type', 'ka.req.service.ports', 'ka.req.pod.volumes.hostpath', 'ka.req.volume.hostpath',
    'ka.req.pod.volumes.flexvolume_driver', 'ka.req.pod.volumes.volume_type', 'ka.resp.name', 'ka.response.code',
    'ka.response.reason', 'ka.useragent', 'ka.sourceips', 'ka.cluster.name',
  ],
};
