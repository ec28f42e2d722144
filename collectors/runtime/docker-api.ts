import { request } from 'node:http';
import { VigilError } from '../../core/errors.js';

/**
 * The two calls of the Docker Engine API that enrichment needs, over its
 * unix socket with node:http. vigil used dockerode here; loading it (with
 * docker-modem, ssh2, grpc-js and protobufjs behind it) cost a quarter of
 * the agent's RSS budget (README, benchmarks), for two GET requests.
 */
export interface DockerApi {
  /** GET /_ping; resolves when the engine answers 200. */
  ping(): Promise<void>;
  /** GET /containers/{id}/json. Rejects with `statusCode` 404 for an unknown container. */
  inspectContainer(id: string): Promise<ContainerJson>;
}

/** The part of the engine's container inspect answer vigil reads. */
export interface ContainerJson {
  readonly Name?: string;
  readonly Image?: string;
  readonly Created?: string;
  readonly State?: { readonly Pid?: number; readonly StartedAt?: string };
  readonly Config?: { readonly Image?: string; readonly Labels?: Readonly<Record<string, unknown>> | null };
  readonly HostConfig?: { readonly Privileged?: boolean; readonly NetworkMode?: string };
  readonly Mounts?: readonly DockerMount[] | null;
}

/** One entry of the inspect answer's Mounts (binds and volumes). */
export interface DockerMount {
  readonly Source?: string;
  readonly Destination?: string;
  readonly Mode?: string;
  readonly RW?: boolean;
  readonly Propagation?: string;
}

/** An answer other than 2xx, with the engine's status code and message. */
export class DockerApiError extends VigilError<'VIGIL_ERR_DOCKER_API'> {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super('VIGIL_ERR_DOCKER_API', message);
  }
}

/** Largest answer read: an inspect is a few KiB; anything far bigger is not what we asked for. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createDockerApi(socketPath: string, timeoutMs: number): DockerApi {
  const get = (path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs, headers: { host: 'docker' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`docker API answer to ${path} is over ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(body);
          else reject(new DockerApiError(status, `docker API ${path}: ${status} ${messageOf(body)}`));
        });
      });
      // node:http's `timeout` counts idle time only: an engine (or anything on
      // that socket) trickling a byte every few seconds would keep a request
      // pending forever. This timer counts the whole request.
      const total = setTimeout(() => req.destroy(Object.assign(new Error(`docker API ${path}: no complete answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      total.unref();
      req.on('close', () => clearTimeout(total));
      req.on('timeout', () => req.destroy(Object.assign(new Error(`docker API ${path}: timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => {
        clearTimeout(total);
        reject(err);
      });
      req.end();
    });

  return {
    async ping() {
      await get('/_ping');
    },
    async inspectContainer(id) {
      return JSON.parse(await get(`/containers/${encodeURIComponent(id)}/json`)) as ContainerJson;
    },
  };
}

function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the raw text says it
  }
  return body.slice(0, 200);
}
