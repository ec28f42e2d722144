import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SyslogOutputConfig } from '../output-config.js';
import { packageVersion } from '../../package-root.js';
import type { Envelope } from '../envelope.js';
import { OutputSendError } from '../errors.js';
import { alertToCef } from '../formats/cef.js';
import { falcoAlertOf } from '../formats/falco-alert.js';
import { syslogFrame } from '../formats/syslog.js';
import type { PushSink } from '../push-output.js';
import { tlsOptions } from './tls-files.js';

/** One alert (or loss notice) as an octet-counted RFC 5424 message carrying CEF. */
export function syslogCefFrame(e: Envelope, cfg: Pick<SyslogOutputConfig, 'facility'>, version = packageVersion()): Buffer {
  const a = falcoAlertOf(e);
  return syslogFrame({
    facility: cfg.facility,
    priority: a.priority,
    time: a.time,
    hostname: a.hostname,
    msgId: e.kind,
    params: { eventId: e.eventId, rule: a.rule },
    msg: alertToCef(a, e.eventId, version),
  });
}

/**
 * Syslog over TCP or TLS (RFC 5425). TCP gives no receipt, so a batch
 * counts as delivered only once it was written and the connection then
 * stayed up for `confirmMs`: a receiver that dies with records in its
 * socket buffer closes the connection, and the batch is sent again.
 */
export function createSyslogSink(cfg: SyslogOutputConfig): PushSink {
  let socket: Socket | undefined;
  let lastError: Error | undefined;

  function open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = cfg.tls ? tlsConnect({ host: cfg.host, port: cfg.port, ...tlsOptions(cfg.tls) }) : netConnect({ host: cfg.host, port: cfg.port });
      const timer = setTimeout(() => s.destroy(new OutputSendError(`no connection to ${cfg.host}:${cfg.port} within ${cfg.timeoutMs} ms`)), cfg.timeoutMs);
      s.once(cfg.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.setKeepAlive(true, 10_000);
        resolve(s);
      });
      s.on('error', (err) => {
        clearTimeout(timer);
        lastError = err;
        reject(err);
      });
      // The receiver never writes back: data or EOF from it means the session is over.
      s.on('data', () => undefined);
      s.once('end', () => s.destroy());
      s.once('close', () => {
        if (socket === s) socket = undefined;
      });
    });
  }

  return {
    async send(batch) {
      if (!socket) {
        lastError = undefined;
        socket = await open();
      }
      const s = socket;
      let onClose: (() => void) | undefined;
      const closed = new Promise<never>((_, reject) => {
        onClose = () => reject(lastError ?? new OutputSendError(`${cfg.host}:${cfg.port} closed the connection`));
        s.once('close', onClose);
      });
      closed.catch(() => undefined);
      try {
        const data = Buffer.concat(batch.map((e) => syslogCefFrame(e, cfg)));
        await Promise.race([new Promise<void>((resolve, reject) => s.write(data, (err) => (err ? reject(err) : resolve()))), closed]);
        await Promise.race([new Promise((r) => setTimeout(r, cfg.confirmMs)), closed]);
      } finally {
        s.off('close', onClose!);
      }
      if (s.destroyed) throw lastError ?? new OutputSendError(`${cfg.host}:${cfg.port} closed the connection`);
      return { rejected: 0 };
    },
    async close() {
      socket?.destroy();
      socket = undefined;
    },
  };
}
