// SPDX-License-Identifier: Apache-2.0
// How a Dahua camera writes the attach stream, byte for byte, including the ways real firmware gets it wrong
// (dahua-protocol.md 1.3-1.5). Used by the simulator, the tests and the benchmark, so all three speak the
// same wire format.

import type { CameraEvent } from '../lib/types'

/** How one part is written. The defaults are what current firmware sends. */
export interface PartFormat {
  /** `exact` (default), `none` (no Content-Length header), or a number of bytes to overstate it by. */
  contentLength?: 'exact' | 'none' | number
  /** false: no blank line between the headers and the body. */
  blankLine?: boolean
  /** `-- myboundary`, as some Amcrest firmware writes it. */
  spacedBoundary?: boolean
  /** Bare LF line ends instead of CRLF. */
  lf?: boolean
  /** A stray `HTTP/1.1 200 OK` block before the part (scrypted#1417). */
  strayStatus?: boolean
}

export const BOUNDARY = 'myboundary'

/**
 * `Code=…;action=…;index=…[;data=…]`, with `data` pretty-printed over several lines as cameras do: 3 spaces
 * and a trailing LF, or (`tabs`) tab-indented and ending at the closing brace, as a byte-exact IPC capture has
 * it (field-notes.md 1).
 */
export function encodeEvent(event: CameraEvent, json: 'spaces' | 'tabs' = 'spaces'): string {
  const head = `Code=${event.code};action=${event.action};index=${event.index}`
  if (event.data === undefined) {
    return head
  }
  const data =
    typeof event.data === 'string'
      ? event.data
      : json === 'tabs'
        ? JSON.stringify(event.data, null, '\t')
        : `${JSON.stringify(event.data, null, 3)}\n`
  return `${head};data=${data}`
}

/** One part: boundary line, headers, body and the CRLFs that follow an event body on the wire. */
export function formatPart(body: string, format: PartFormat = {}): string {
  const eol = format.lf ? '\n' : '\r\n'
  const bytes = Buffer.byteLength(body)
  let out = ''
  if (format.strayStatus) {
    out += `HTTP/1.1 200 OK${eol}Content-Type: multipart/x-mixed-replace; boundary=${BOUNDARY}${eol}${eol}`
  }
  out += `${format.spacedBoundary ? '-- ' : '--'}${BOUNDARY}${eol}Content-Type: text/plain${eol}`
  const length = format.contentLength ?? 'exact'
  if (length !== 'none') {
    out += `Content-Length:${length === 'exact' ? bytes : bytes + length}${eol}`
  }
  if (format.blankLine !== false) {
    out += eol
  }
  return `${out}${body}${eol}${eol}`
}

/** The heartbeat part. Its CRLF comes before the next boundary, not after the body (dahua-protocol.md 1.3). */
export function formatHeartbeat(): string {
  return `--${BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Length:9\r\n\r\nHeartbeat\r\n`
}
