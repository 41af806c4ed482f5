// SPDX-License-Identifier: Apache-2.0
// Text from a camera made safe for where it goes: a log line (no terminal escapes, no line breaks that forge
// a second entry) and an MQTT-style topic segment (no `/`, `+`, `#` or NUL to split or widen a topic).

/**
 * Control and invisible formatting characters (ESC sequences, NUL, bidi overrides that reorder what a
 * terminal shows) and runs of white space become one space.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim()
}

/**
 * A Dahua code as one topic segment. Codes are identifiers (letters, digits, `_`: `VideoMotion`,
 * `_DoTalkAction_`); anything else is replaced by `_`, so `dahua/<camera>/<code>/<channel>` always has four
 * segments and never a wildcard. The payload keeps the code as sent.
 */
export function topicSegment(code: string): string {
  return code.replace(/[^A-Za-z0-9_]/g, '_') || '_'
}
