// SPDX-License-Identifier: Apache-2.0
// A failed control or door action as data: a catalog key and its parameters, and the sentence a person reads.
// Pure, so that the client layer raises it and the glue words it without either knowing the other.

import { reasonText, type Translate } from '../badge'
import { printable } from '../text'

/** Names a device listed (its IVS rules, its channels) put in an error: a few, each printable and short. */
export const MAX_LISTED_NAMES = 5
export const MAX_LISTED_NAME_CHARS = 64

/**
 * `"Gate", "Driveway", …`: a device's names as an error lists them. They are the device's text: a hostile one
 * sent escape sequences, forged log lines and a 240 KB name (security-2026-12.md 4).
 */
export function listedNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED_NAMES).map((name) => {
    const clean = printable(name)
    return `"${clean.length > MAX_LISTED_NAME_CHARS ? `${clean.slice(0, MAX_LISTED_NAME_CHARS - 1)}…` : clean}"`
  })
  return shown.length === 0 ? '-' : `${shown.join(', ')}${names.length > shown.length ? ', …' : ''}`
}

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
      detail: printable(err instanceof Error ? err.message : String(err)),
    })
  }
  // Parameters may carry a device's or a flow's text: one line, no escapes, in the log and on the badge.
  const all: Record<string, string | number> = Object.fromEntries(
    Object.entries({ ...params, ...err.params }).map(([k, v]) => [
      k,
      typeof v === 'string' ? printable(v) : v,
    ]),
  )
  if (err.key === 'failed') {
    const reason = { kind: String(err.params.kind) as 'network', detail: String(err.params.detail ?? '') }
    all.reason = reasonText({ state: 'retrying', reason }, t, 'dahua-camera')
  }
  return t(`${catalog}.errors.${err.key}`, all)
}
