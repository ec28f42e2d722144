export { createHostScanner } from './host-scanner.js';
export type { HostScanner, HostScannerConfig, HostScanResult } from './host-scanner.js';
