export { bindField, fieldExists, getField, listFields } from './registry.js';
export { METRIC_LABEL_KEYS, METRIC_VALUE_KEYS } from './metric-fields.js';
export { cidrContains, parseCidr, parseIp } from './net.js';
export type { Cidr, IpValue } from './net.js';
export { rfc3339Nano, timeOfDay } from './helpers.js';
export type { BoundField, FieldDef, FieldType, FieldValue, Getter } from './types.js';
export { auditSensorCatalog, catalogFor, closest, editDistance, fieldKind, sensorCatalog } from './catalog.js';
export { resultName } from './errno-names.js';
export { directoryOf, filenameOf } from './fd-syscall-fields.js';
