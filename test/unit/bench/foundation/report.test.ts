import { describe, expect, it } from 'vitest';
import { renderMarkdown, type Results } from '../../../../bench/foundation/report.js';
import type { ScanChildReply } from '../../../../bench/foundation/scan-child.js';

function scan(cold: number, steady: number): ScanChildReply {
  return {
    firstScanCpuMs: cold * 1.2,
    coldWarmupCpuMs: [cold * 1.1],
    coldCpuMs: [cold, cold, cold],
    steadyCpuMs: [steady, steady, steady],
    steadyProcessesWallMs: [1],
    steadySocketsWallMs: [1],
    coldProcessesWallMs: [1],
    coldSocketsWallMs: [1],
    processes: 1000,
    sockets: 10,
    errors: 0,
    rssBytes: 50 * 2 ** 20,
    heapUsedBytes: 10 * 2 ** 20,
    probes: { netTcpReadMs: 4, sockDiagDumpMs: 0.4, netUdpReadMs: 0.03, pidStatReadUs: 15, netns: 51 },
  };
}

const self = { containers: 50, processes: 1000, sockets: 10, componentErrors: 0, heapUsedBytes: 1, heapTotalBytes: 2, externalBytes: 3, scanMeanMs: { processes: 5 } };
const idle = (percent: number, rssMb: number) => ({ seconds: 60, cpuMs: percent * 600, rate: percent / 100, percentOfCore: percent, rssBytes: rssMb * 2 ** 20 });
const scrape = (ms: number) => ({ cpuMsPerScrape: ms, roundsMsPerScrape: [ms], wallMsPerScrape: ms, bodyBytes: 1, samples: 1000 });

function results(o: { cold: number; steady: number; idlePct: number; rssMb: number; scrapeMs: number }): Results {
  const baseline = { psMs: 60, ssTcpMs: 40, ssTcpUdpMs: 41, totalMs: 100 };
  const level = { targetProcesses: 1000, processesBefore: 1000, processesAfter: 1001, scan: scan(o.cold, o.steady), baseline };
  return {
    quick: false,
    machine: { nproc: '2' },
    containers: 50,
    containerStartSeconds: 6,
    tcpConnections: 100,
    levels: [level],
    agent1k: { processes: 1000, idle: idle(o.idlePct, 90), self, command: 'node dist/agent/main.js agent' },
    agent5k: { processes: 5000, idle: idle(o.idlePct, o.rssMb), self, command: 'node dist/agent/main.js agent' },
    scrapeAgent: scrape(o.scrapeMs),
    scrapeNodeExporter: scrape(20),
    nodeExporterIdle: idle(0, 20),
    nodeExporterCommand: 'prometheus-node-exporter --web.listen-address=127.0.0.1:1234',
    settings: { steadyIntervalMs: 250 },
  };
}

function verdicts(md: string): string[] {
  return md
    .split('\n')
    .filter((l) => /\| (pass|\*\*FAIL\*\*) \|$/.test(l))
    .map((l) => (l.endsWith('| pass |') ? 'pass' : 'FAIL'));
}

describe('renderMarkdown', () => {
  it('passes every line at the targets exactly', () => {
    const md = renderMarkdown(results({ cold: 150, steady: 25, idlePct: 2, rssMb: 100, scrapeMs: 20 }));
    expect(verdicts(md)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('fails each line just over its target', () => {
    const md = renderMarkdown(results({ cold: 151, steady: 26, idlePct: 2.01, rssMb: 100.1, scrapeMs: 20.1 }));
    expect(verdicts(md)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL']);
    expect(md).toContain('1.51x');
    expect(md).toContain('(ps 60.0 + ss 40.0)');
  });

  it('does not print the free ports it ran on', () => {
    const md = renderMarkdown(results({ cold: 1, steady: 1, idlePct: 1, rssMb: 1, scrapeMs: 1 }));
    expect(md).toContain('--web.listen-address=127.0.0.1:<free>');
  });
});
