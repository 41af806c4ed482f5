// SPDX-License-Identifier: Apache-2.0
// A failed control or door action as data: a catalog key and its parameters, and the sentence a person reads.
// Pure, so that the client layer raises it and the glue words it without either knowing the other.

import { reasonText, type Translate } from '../badge'

/**
 * What went wrong, as a key of the node's `errors` catalog (`dahua-control`, `dahua-door`) and its parameters: the glue words it in
 * the editor's language, for the catch node, the log and the badge.
 */
export class ControlError extends Error {
  override readonly name = 'ControlError'
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key)
  }
}

/**
 * The sentence for a failed action, from `<catalog>.errors.*`: a ControlError's key and parameters (a network
 * failure's reason worded from the camera catalog's reasons), else `failed-other` with the error's own message.
 * `params`: what any sentence may name (the action, the camera).
 */
export function failureText(
  err: unknown,
  t: Translate,
  catalog: string,
  params: Record<string, string | number>,
): string {
  if (!(err instanceof ControlError)) {
    // A snapshot's failure (camera-client.ts) or anything unexpected: said with its own words.
    return t(`${catalog}.errors.failed-other`, {
      ...params,
      detail: err instanceof Error ? err.message : String(err),
    })
  }
  const all: Record<string, string | number> = { ...params, ...err.params }
  if (err.key === 'failed') {
    const reason = { kind: String(err.params.kind) as 'network', detail: String(err.params.detail ?? '') }
    all.reason = reasonText({ state: 'retrying', reason }, t, 'dahua-camera')
  }
  return t(`${catalog}.errors.${err.key}`, all)
}
