// A request the Director refuses: HTTP status, a stable code, and a detail naming the problem.
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }

  toJSON(): { ok: false; error: string; detail: string } {
    return { ok: false, error: this.code, detail: this.message };
  }
}
