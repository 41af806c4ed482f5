// SPDX-License-Identifier: Apache-2.0
// A failed control or door action as data: a catalog key and its parameters, and the sentence a person reads.
// Pure, so that the client layer raises it and the glue words it without either knowing the other.

import { reasonText, type Translate } from '../badge'
import { printable } from '../text'

/** Names a device listed (its IVS rules, its channels) put in an error: a few, each printable and short. */
export const MAX_LISTED_NAMES = 5
export const MAX_LISTED_NAME_CHARS = 64
/**
 * The most of one parameter a sentence carries (an error's own message, a camera node's name): a sentence is
 * read whole, in the log and in a catch node, and shortened inside, never at its end.
 */
export const MAX_PARAM_CHARS = 400

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
    return t(
      `${catalog}.errors.failed-other`,
      bounded({ ...params, detail: err instanceof Error ? err.message : String(err) }),
    )
  }
  const all = bounded({ ...params, ...err.params })
  // `count` picks the plural of a sentence that says how many tries are left ("1 more refusal").
  if (typeof err.params.left === 'number') all.count = err.params.left
  if (err.key === 'failed') all.reason = networkReason(err, t, catalog)
  return t(`${catalog}.errors.${err.key}`, all)
}

/**
 * A failure in a few words for a badge (`login refused`, `no answer in 5 s`), from `<catalog>.short.*`, or
 * "see the error message" where no few words would do.
 */
export function shortText(err: unknown, t: Translate, catalog: string): string {
  if (!(err instanceof ControlError)) return t(`${catalog}.short.failed-other`)
  if (err.key === 'failed') return networkReason(err, t, catalog)
  const key = `${catalog}.short.${err.key}`
  const text = t(key, bounded(err.params))
  return text === key ? t(`${catalog}.short.failed-other`) : text
}

/**
 * Why a call got no answer, from the node's own `<catalog>.reason.*`: Node-RED looks a key up in the catalog of
 * the node set that asks, so another node's keys would show raw (security-2026-12.md 10).
 */
function networkReason(err: ControlError, t: Translate, catalog: string): string {
  const reason = {
    kind: String(err.params.kind) as 'network',
    detail: bound(String(err.params.detail ?? '')),
  }
  return reasonText({ state: 'retrying', reason }, t, catalog)
}

/**
 * Parameters may carry a device's or a flow's text: one line, no escapes, and short, in the log and on the
 * badge.
 */
function bounded(params: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? bound(v) : v]))
}

function bound(text: string): string {
  const clean = printable(text)
  return clean.length > MAX_PARAM_CHARS ? `${clean.slice(0, MAX_PARAM_CHARS - 1)}…` : clean
}
