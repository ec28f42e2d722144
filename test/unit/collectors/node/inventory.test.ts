import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystemInventory } from '../../../../collectors/node/index.js';
import { inventoryLabels, parseCpuModel, parseOsRelease } from '../../../../collectors/node/inventory.js';
import { FIXTURES } from './helpers.js';

describe('node inventory', () => {
  it('parses NAME and VERSION_ID of os-release, quoted or not', () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nVERSION_ID=12\nID=debian\n')).toEqual({ name: 'Debian GNU/Linux', versionId: '12' });
  });

  it("takes distro and hostname from the host's files under hostRoot (DaemonSet), the rest from the kernel", async () => {
    const inv = await createSystemInventory(join(FIXTURES, 'node-hostroot'))();
    expect(inv).toMatchObject({ os: 'Ubuntu', osRelease: '22.04', hostname: 'worker-7' });
    expect(inv.cpuCores).toBeGreaterThan(0);
    expect(inv.memoryBytes).toBeGreaterThan(0);
    expect(inv.kernel).toMatch(/^\d+\.\d+/);
    expect(inv.arch).not.toBe('');
    expect(inventoryLabels(inv)).toMatchObject({ os: 'Ubuntu', cpu_cores: String(inv.cpuCores) });
  });

  it('takes the cpu model from /proc/cpuinfo: model name (x86), else Hardware or Processor (ARM)', () => {
    expect(parseCpuModel('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n')).toBe('AMD EPYC 7B13');
    expect(parseCpuModel('processor\t: 0\nBogoMIPS\t: 50.00\n\nHardware\t: BCM2835\n')).toBe('BCM2835');
    expect(parseCpuModel('processor\t: 0\n')).toBe('');
  });
});
