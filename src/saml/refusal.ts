/** Something from outside refused, with a reason that names its own message or operator state. */
export class Refusal<Reason extends string> extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, detail: string) {
    super(detail);
    this.reason = reason;
  }
}
