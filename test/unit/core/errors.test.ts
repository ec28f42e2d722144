import { describe, expect, it } from 'vitest';
import { ConfigError, VigilAgentError } from '../../../agent/errors.js';
import { CgroupError } from '../../../collectors/cgroups/errors.js';
import { ExecError } from '../../../collectors/exec/errors.js';
import { NodeCollectorError } from '../../../collectors/node/errors.js';
import { DockerApiError } from '../../../collectors/runtime/docker-api.js';
import { RuntimeError } from '../../../collectors/runtime/errors.js';
import { ProcError } from '../../../collectors/shared/errors.js';
import { NetlinkOpenError } from '../../../collectors/shared/netlink.js';
import { errnoCode, isChurn, VigilError } from '../../../core/errors.js';
import { CompileError } from '../../../rules/compiler/errors.js';
import { RulesIssueCode, RulesUsageError } from '../../../rules/errors.js';

describe('isChurn: one answer for every layer', () => {
  it('ENOENT, ESRCH and ENODEV are churn (gone between listing and reading)', () => {
    for (const code of ['ENOENT', 'ESRCH', 'ENODEV']) expect(isChurn(Object.assign(new Error(code), { code })), code).toBe(true);
  });

  it('permission, I/O and anything without an errno are not', () => {
    for (const code of ['EACCES', 'EPERM', 'EIO', 'EINVAL', 'ENOTDIR']) expect(isChurn({ code }), code).toBe(false);
    expect(isChurn(null)).toBe(false);
    expect(isChurn(new Error('ENOENT in the message only'))).toBe(false);
    expect(errnoCode({ code: 42 })).toBeUndefined();
  });
});

describe('every error class extends VigilError with a stable code', () => {
  const cause = new Error('underneath');
  const errors: VigilError[] = [
    new VigilAgentError('VIGIL_ERR_X', 'agent'),
    new ConfigError([{ path: 'scanIntervalMs', message: 'bad' }]),
    new CgroupError('VIGIL_ERR_CGROUP_READ', 'cgroup', { cause }),
    new ExecError('VIGIL_ERR_EXEC_LISTENER', 'exec'),
    new NodeCollectorError('VIGIL_ERR_NODE_READ', 'node'),
    new RuntimeError('VIGIL_ERR_RUNTIME_INSPECT', 'runtime'),
    new DockerApiError(404, 'no such container'),
    new ProcError('VIGIL_ERR_PROC_READ', 'proc'),
    new NetlinkOpenError('load', 'no binding', { cause }),
    new CompileError(RulesIssueCode.BAD_REGEX, 'bad regex'),
    new RulesUsageError('usage'),
  ];
  it.each(errors.map((e) => [e.name, e]))('%s', (name, e) => {
    expect(e).toBeInstanceOf(VigilError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toMatch(/^VIGIL_(ERR|RULES)_[A-Z_]+$/);
    expect(name).toBe(e.constructor.name);
  });

  it('keeps the cause', () => {
    expect(new CgroupError('VIGIL_ERR_CGROUP_READ', 'x', { cause }).cause).toBe(cause);
  });
});
