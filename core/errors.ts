/**
 * The one error shape of every layer: a stable `code` (`VIGIL_ERR_*`, which
 * scripts, logs and tests match on) and a human message, with `cause`. Each
 * layer declares its codes in its own errors.ts and subclasses this.
 */
export class VigilError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
