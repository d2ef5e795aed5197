/**
 * Why an inbound frame was dropped. The reasons are a closed set because they become the `reason`
 * label of mm_ws_frames_rejected_total (labels must have bounded values).
 */

/** Every reason a frame can be rejected for, in label order. */
export const REJECT_REASONS = [
  'empty',
  'binary',
  'not_utf8',
  'not_json',
  'not_object',
  'unknown_topic',
  'unknown_message',
  'invalid_book',
  'invalid_public_trade',
  'invalid_ticker',
  'invalid_private',
  'invalid_reply',
  'invalid_pong',
  'invalid_trade_response',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** A frame that failed its shape check; `topic` is set when the frame named one. */
export interface FrameRejection {
  readonly kind: 'rejected';
  readonly reason: RejectReason;
  /** A short description of the first problem found (never the frame itself). */
  readonly detail: string;
  readonly topic: string | undefined;
}

/** Builds a rejection. */
export function rejection(reason: RejectReason, detail: string, topic?: string): FrameRejection {
  return { kind: 'rejected', reason, detail, topic };
}

/** Tells a rejection apart from a parsed value (parsed wire values never carry `kind: 'rejected'`). */
export function isRejection(value: unknown): value is FrameRejection {
  return (value as { kind?: unknown } | null)?.kind === 'rejected';
}
