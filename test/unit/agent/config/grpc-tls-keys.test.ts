import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../agent/config/load.js';
import { ConfigError } from '../../../../agent/errors.js';

const issues = (flags: Record<string, string>): string[] => {
  try {
    loadConfig({ flags, env: {} });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
};

describe('gRPC config keys', () => {
  it('defaults: ring and queue of 10,000, plaintext', () => {
    const c = loadConfig({ flags: {}, env: {} });
    expect(c.grpcRingSize).toBe(10_000);
    expect(c.grpcSubscriberQueue).toBe(10_000);
    expect(c.grpcTlsCert).toBeUndefined();
  });

  it('TLS certificate and key go together, and client CAs need TLS', () => {
    expect(issues({ 'grpc-tls-cert': '/c.pem' })).toEqual(['grpcTlsKey: grpcTlsCert and grpcTlsKey go together']);
    expect(issues({ 'grpc-tls-key': '/k.pem' })).toEqual(['grpcTlsCert: grpcTlsCert and grpcTlsKey go together']);
    expect(issues({ 'grpc-tls-client-ca': '/ca.pem' })).toEqual(['grpcTlsClientCa: client certificates need TLS: set grpcTlsCert and grpcTlsKey too']);
    expect(issues({ 'grpc-tls-cert': '/c.pem', 'grpc-tls-key': '/k.pem', 'grpc-tls-client-ca': '/ca.pem' })).toEqual([]);
  });
});
