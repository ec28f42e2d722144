/** N synthetic but plausible rules (process, network, container), as rule-file YAML. */
export function generatedRulesYaml(n: number, prefix = 'gen'): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let cond: string;
    switch (i % 4) {
      case 0: cond = `evt.type = execve and proc.name = ${prefix}proc${i} and not proc.pname in (bash, sh, ${prefix}parent${i})`; break;
      case 1: cond = `evt.type = connect and fd.rport = ${20_000 + i} and proc.name in (curl, wget, ${prefix}client${i}) and not fd.rnet = "10.0.0.0/8"`; break;
      case 2: cond = `evt.type in (execve, execveat) and container.id != host and proc.cmdline contains "--${prefix}-flag-${i}"`; break;
      default: cond = `evt.type = execve and proc.exepath startswith /opt/${prefix}${i}/ and k8s.ns.name in (prod, staging) and user.uid = 0`; break;
    }
    out.push(`- rule: ${prefix} rule ${i}\n  desc: generated rule ${i}\n  condition: ${cond}\n  output: ${prefix} ${i} (proc=%proc.name cmd=%proc.cmdline container=%container.name)\n  priority: NOTICE\n  tags: [generated]\n`);
  }
  return out.join('\n');
}
