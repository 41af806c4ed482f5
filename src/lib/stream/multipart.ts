// SPDX-License-Identifier: Apache-2.0
// The incremental framer for the attach stream's `multipart/x-mixed-replace` body: bytes in, part bodies out.
// It owns boundary finding, part headers and memory limits; what a body means is event-body.ts's business.
// Every rule here is boundary-driven with Content-Length only as a hint, because real firmware breaks each
// of the multipart rules at least once (dahua-protocol.md 1.3-1.6).

import { MAX_LINE_BYTES, MAX_PART_BYTES } from '../limits'
import { printable } from '../text'

/** Bytes that belonged to no part, reported so that nothing is dropped without a word. */
export interface SkippedBytes {
  /**
   * - `garbage`: bytes between parts that are not a part.
   * - `status-line`: a stray `HTTP/1.1 200 OK` block inside the body (a known firmware quirk; harmless).
   * - `oversize`: a part grew past `maxPartBytes`; it was dropped and parsing resumes at the next boundary.
   * - `long-line`: a boundary marker line went on past MAX_LINE_BYTES without ending; skipped like garbage.
   */
  reason: 'garbage' | 'status-line' | 'oversize' | 'long-line'
  bytes: number
  /** The first bytes of what was skipped, as text, for a log line. */
  sample: string
}

export interface MultipartParserOptions {
  /** The boundary without leading dashes, as in the Content-Type parameter. Dahua always uses `myboundary`. */
  boundary?: string
  /**
   * Called once per complete part with its body: a view into the parser's buffer, valid until the call
   * returns (decode it there, or copy it to keep it). No copy is made for the common case of decoding at once.
   */
  onPart(body: Buffer): void
  onSkip?(skipped: SkippedBytes): void
  /** A part larger than this is dropped (default MAX_PART_BYTES), so a broken camera cannot grow memory without end. */
  maxPartBytes?: number
}

/**
 * Feed it the response body in whatever pieces the socket delivers; it calls `onPart` the moment a part is
 * complete (when its Content-Length is satisfied, or at the next boundary for a part without one).
 * `reset()` between connections: a new stream never continues an old one's part.
 */
export interface MultipartParser {
  feed(chunk: Buffer): void
  reset(): void
}

export const DEFAULT_BOUNDARY = 'myboundary'
const SAMPLE_BYTES = 60
const LF = 0x0a
const CR = 0x0d
const DASH = 0x2d
const SPACE = 0x20
const COLON = 0x3a
const CLOSE_BRACE = 0x7d

// RFC 7230 token characters: what a header name may be made of.
const TOKEN = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN[c.charCodeAt(0)] = 1
}
const STRAY_STATUS = Buffer.from('\nHTTP/1.', 'latin1')
const INTRUSION_WINDOW = 512
const CONTENT_LENGTH = /^content-length[ \t]*:[ \t]*(\d+)[ \t]*$/i

type Mode = 'seek' | 'headers' | 'body'

/** Reads the `boundary=` parameter of a Content-Type header; Dahua's `myboundary` when there is none. */
export function boundaryFrom(contentType: string | undefined): string {
  const match = /boundary\s*=\s*"?([^";,\s]+)"?/i.exec(contentType ?? '')
  return match?.[1]?.replace(/^--/, '') ?? DEFAULT_BOUNDARY
}

export function createMultipartParser(options: MultipartParserOptions): MultipartParser {
  const token = Buffer.from(options.boundary ?? DEFAULT_BOUNDARY, 'latin1')
  const maxPartBytes = options.maxPartBytes ?? MAX_PART_BYTES
  // Longest marker is `-- <token>`: a tail this long may hold a marker cut by the end of a read.
  const markerTail = token.length + 3
  const intruders = [Buffer.from('HTTP/1.', 'latin1')].concat(
    ['--', '-- '].map((dashes) => Buffer.concat([Buffer.from(dashes, 'latin1'), token])),
  )

  let store = Buffer.alloc(64 * 1024)
  let view = store.subarray(0, 0) // store[0, end): searches never see stale bytes past `end`
  let start = 0 // first unconsumed byte
  let end = 0 // one past the last buffered byte
  let mode: Mode = 'seek'
  let contentLength: number | undefined
  let scanned = 0 // bytes after `start` already searched for a marker without success (body mode)
  let headerBytes = 0
  // Bytes skipped in seek mode since the last boundary.
  let skippedBytes = 0
  let skippedSample = ''
  let quiet = false // skipping the rest of an oversize part: already reported

  function append(chunk: Buffer): void {
    if (end + chunk.length > store.length) {
      const live = end - start
      if (live + chunk.length > store.length) {
        const bigger = Buffer.alloc(Math.max(store.length * 2, live + chunk.length))
        store.copy(bigger, 0, start, end)
        store = bigger
      } else {
        store.copy(store, 0, start, end)
      }
      start = 0
      end = live
    }
    chunk.copy(store, end)
    end += chunk.length
  }

  /**
   * Where the next boundary marker (`--token` or `-- token`) starts in [from, to), or -1. With `lineOrigin` >= 0
   * the marker must begin a line (or sit at `lineOrigin`), as it always does after a body.
   */
  function findMarker(from: number, to: number, lineOrigin: number): number {
    let at = from
    while (at < to) {
      const t = view.indexOf(token, at)
      if (t < 0 || t + token.length > to) {
        return -1
      }
      let marker = -1
      if (t - 2 >= from && store[t - 1] === DASH && store[t - 2] === DASH) {
        marker = t - 2
      } else if (t - 3 >= from && store[t - 1] === SPACE && store[t - 2] === DASH && store[t - 3] === DASH) {
        // Amcrest may write `-- myboundary` with a space (dahua-protocol.md 1.5).
        marker = t - 3
      }
      if (marker >= 0 && (lineOrigin < 0 || marker === lineOrigin || store[marker - 1] === LF)) {
        return marker
      }
      at = t + 1
    }
    return -1
  }

  /** Where `needle` lies wholly inside store[from, to), or -1; never searches past `to`. */
  function indexWithin(needle: Buffer, from: number, to: number): number {
    const at = store.subarray(from, to).indexOf(needle)
    return at < 0 ? -1 : from + at
  }

  function lineEndFrom(from: number): number {
    return view.indexOf(LF, from)
  }

  function skip(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = store[i]
      if (c === CR || c === LF || c === SPACE || c === 0x09) {
        continue
      }
      if (skippedBytes === 0 && skippedSample.length === 0) {
        skippedSample = store.toString('latin1', i, Math.min(to, i + SAMPLE_BYTES))
      }
      skippedBytes += to - i
      return
    }
  }

  function reportSkipped(): void {
    if (skippedBytes > 0 && !quiet) {
      const reason = skippedSample.startsWith('HTTP/') ? 'status-line' : 'garbage'
      options.onSkip?.({ reason, bytes: skippedBytes, sample: printable(skippedSample) })
    }
    skippedBytes = 0
    skippedSample = ''
    quiet = false
  }

  function beginPart(): void {
    mode = 'headers'
    contentLength = undefined
    headerBytes = 0
    scanned = 0
  }

  function emit(from: number, to: number): void {
    start = to
    mode = 'seek'
    if (to > from) {
      options.onPart(store.subarray(from, to))
    }
  }

  function dropOversize(): void {
    const bytes = end - start
    options.onSkip?.({
      reason: 'oversize',
      bytes,
      sample: printable(store.toString('latin1', start, start + SAMPLE_BYTES)),
    })
    mode = 'seek'
    quiet = true
    skippedBytes = 0
    skippedSample = ''
    // Keep only a tail that may hold the start of the next marker.
    start = Math.max(start, end - markerTail)
  }

  function dropLongLine(): void {
    reportSkipped()
    options.onSkip?.({
      reason: 'long-line',
      bytes: end - start,
      sample: printable(store.toString('latin1', start, start + SAMPLE_BYTES)),
    })
    quiet = true
    start = Math.max(start + 1, end - markerTail)
  }

  /** One step of work; false when more bytes are needed. */
  function step(): boolean {
    if (mode === 'seek') {
      const marker = findMarker(start, end, -1)
      if (marker < 0) {
        const keep = Math.max(start, end - markerTail)
        skip(start, keep)
        start = keep
        return false
      }
      skip(start, marker)
      start = marker
      const lineEnd = lineEndFrom(marker)
      if (lineEnd < 0) {
        if (end - marker > MAX_LINE_BYTES) {
          // A marker line that never ends would be buffered and searched again on every read.
          dropLongLine()
          return true
        }
        return false
      }
      reportSkipped()
      start = lineEnd + 1
      beginPart()
      return true
    }

    if (mode === 'headers') {
      const lineEnd = lineEndFrom(start)
      if (lineEnd < 0) {
        // A line that cannot be a header ends the headers at once (a `Code=` body with no blank line before
        // it and no line end after it must not wait for the next part).
        if (!couldBeHeader(start, end) || end - start > MAX_LINE_BYTES) {
          mode = 'body'
          return true
        }
        return false
      }
      const lineStop = lineEnd > start && store[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd
      headerBytes += lineEnd + 1 - start
      if (lineStop === start) {
        start = lineEnd + 1
        mode = 'body'
        return true
      }
      if (store[start] === 0x48 && store.toString('latin1', start, start + 5) === 'HTTP/') {
        // Some firmware repeats `HTTP/1.1 200 OK` and its headers inside the body (scrypted#1417): skip the
        // block up to the next boundary, quietly.
        mode = 'seek'
        skippedSample = store.toString('latin1', start, Math.min(lineStop, start + SAMPLE_BYTES))
        skippedBytes = lineEnd + 1 - start
        start = lineEnd + 1
        return true
      }
      if (!isHeaderLine(start, lineStop)) {
        // No blank line after the headers (dahua-protocol.md 1.5): this line is the body.
        mode = 'body'
        return true
      }
      // Only a line whose 9th byte is the L of Content-Length is worth decoding and matching.
      if (((store[start + 8] ?? 0) | 0x20) === 0x6c) {
        const length = CONTENT_LENGTH.exec(store.toString('latin1', start, lineStop))
        if (length?.[1] !== undefined) {
          contentLength = Number(length[1])
        }
      }
      start = lineEnd + 1
      if (headerBytes > maxPartBytes) {
        dropOversize()
      }
      return true
    }

    // body
    const available = end - start
    const limit = contentLength === undefined ? end : Math.min(end, start + contentLength)
    const marker = findMarker(start + Math.max(0, scanned - markerTail), limit, start)
    if (marker >= 0) {
      // The next boundary came first: a part without Content-Length, or one whose Content-Length overstates
      // what was sent (dahua-protocol.md 1.5). The boundary wins, and a stray status block before it is not body.
      const stray = indexWithin(STRAY_STATUS, start, marker)
      emit(start, trimLineEnds(start, stray >= 0 ? stray : marker))
      start = marker
      return true
    }
    if (contentLength !== undefined && available >= contentLength) {
      const bodyEnd = start + contentLength
      // A Content-Length a few bytes too large reaches into what follows the body: the next marker or a stray
      // status block. Cut before it so that the next part is not lost.
      const cut = intrusionAt(start, bodyEnd)
      emit(start, cut >= 0 ? trimLineEnds(start, cut) : bodyEnd)
      if (cut >= 0) {
        start = cut
      }
      return true
    }
    if (available > maxPartBytes) {
      dropOversize()
      return true
    }
    scanned = limit - start
    return false
  }

  function couldBeHeader(from: number, to: number): boolean {
    if ('HTTP/'.startsWith(store.toString('latin1', from, Math.min(to, from + 5)))) {
      return true
    }
    for (let i = from; i < to; i++) {
      const c = store[i] as number
      if (c === COLON) {
        return i > from
      }
      if (c === CR) {
        return i + 1 === to
      }
      if (TOKEN[c] !== 1) {
        return false
      }
    }
    return true
  }

  function isHeaderLine(from: number, to: number): boolean {
    let i = from
    while (i < to && TOKEN[store[i] as number] === 1) {
      i++
    }
    while (i < to && (store[i] === SPACE || store[i] === 0x09)) {
      i++
    }
    return i > from && i < to && store[i] === COLON
  }

  function trimLineEnds(from: number, to: number): number {
    while (to > from && (store[to - 1] === LF || store[to - 1] === CR)) {
      to--
    }
    return to
  }

  /**
   * Where a body of [from, to) really ends when something that is not body reached into it: the start of a
   * stray status line inside it, or of a last line that begins a marker or status line cut off at `to`; or -1.
   */
  function intrusionAt(from: number, to: number): number {
    if (store[to - 1] === LF && store[to - 2] === CLOSE_BRACE) {
      // How an event's JSON ends on the wire (dahua-protocol.md 1.3): nothing intruded.
      return -1
    }
    // A full marker inside the body was already ruled out, so an intruding status block can only be in its
    // tail: look there, not through the whole body again.
    const stray = indexWithin(STRAY_STATUS, Math.max(from, to - INTRUSION_WINDOW), to)
    if (stray >= 0) {
      return stray + 1
    }
    const lineStart = store.lastIndexOf(LF, to - 1) + 1
    if (lineStart <= from || lineStart >= to) {
      return -1
    }
    const rest = store.subarray(lineStart, to)
    return intruders.some((m) => rest.length < m.length && m.subarray(0, rest.length).equals(rest))
      ? lineStart
      : -1
  }

  return {
    feed(chunk: Buffer): void {
      if (chunk.length === 0) {
        return
      }
      append(chunk)
      view = store.subarray(0, end)
      while (step()) {
        // each step consumes input or changes mode
      }
    },
    reset(): void {
      start = 0
      end = 0
      view = store.subarray(0, 0)
      mode = 'seek'
      quiet = false
      skippedBytes = 0
      skippedSample = ''
    },
  }
}
