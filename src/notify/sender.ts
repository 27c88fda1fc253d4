/** One buyer confirmation, ready to send: built by buildConfirmation from the fulfilled order. */
export interface ConfirmationMessage {
  readonly orderId: string;
  /** The buyer's address, or null when the order has none (the message is still recorded). */
  readonly to: string | null;
  readonly subject: string;
  readonly text: string;
}

/**
 * Sends buyer confirmations. Called from the outbox, so at least once per order: a sender must treat a second
 * call with the same idempotencyKey (the order id) as already done where it can.
 */
export interface ConfirmationSender {
  send(message: ConfirmationMessage, idempotencyKey: string): Promise<void>;
  /** Releases connections (SMTP); optional. */
  close?(): Promise<void> | void;
}
