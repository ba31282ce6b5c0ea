/** The two ways a CLI action fails on purpose; this module loads no contract bindings, so tasks may import it early. */

/** A mistake in what a person typed: the CLI prints the message and exits with code 1 before sending anything. */
export class InputError extends Error {
  override name = "InputError";
}

/** A transaction or call the chain refused, told as a sentence (`message`); `cause` keeps the original error. */
export class ClientError extends Error {
  override name = "ClientError";
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}
