// SPDX-License-Identifier: Apache-2.0
// A camera's snapshot as a clean JPEG. Two firmware faults are known (acting-and-doors.md, row 7): door stations
// (VTO) append an 8-byte `dhav` trailer after the end marker, and an HFW2449TL-S-PRO sends a comment segment whose
// length field overstates it (rroller#575). Strict decoders (and some mail and chat services) refuse both. Pure:
// bytes in, bytes out; anything it does not understand is passed on as it came.

const MARKER = 0xff
const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const COM = 0xfe

/** Markers that carry no length: TEM and the restart markers RST0-7. */
function standalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)
}

/** A byte that can follow 0xFF as a marker where a segment should begin (not a fill byte or stuffed zero). */
function isMarker(marker: number): boolean {
  return marker !== 0x00 && marker !== MARKER
}

/**
 * The JPEG without what follows its end marker, and with any segment whose length overstates it cut to where the
 * next marker really begins. Returns the input itself when nothing needed repair or it is not a JPEG it can walk.
 */
export function cleanJpeg(image: Buffer): Buffer {
  if (image.length < 4 || image[0] !== MARKER || image[1] !== SOI) {
    return image
  }
  let repaired: Buffer | undefined
  let at = 2
  while (at + 1 < image.length) {
    if (image[at] !== MARKER) {
      return image // not where a marker should be: leave it to the viewer
    }
    const marker = image[at + 1] as number
    if (marker === MARKER) {
      at++ // fill byte
      continue
    }
    if (marker === EOI) {
      const end = at + 2
      const out = repaired ?? image
      return end < out.length ? out.subarray(0, end) : out
    }
    if (standalone(marker)) {
      at += 2
      continue
    }
    if (at + 3 >= image.length) {
      return image
    }
    const claimed = at + 2 + image.readUInt16BE(at + 2)
    if (marker === SOS) {
      at = entropyEnd(image, claimed)
      continue
    }
    // A comment is text, so the first marker after its start is where it ends, whatever its length says; any
    // other segment may hold 0xFF bytes, so only a length that lands off a marker is known to be wrong.
    const found = marker === COM || image[claimed] !== MARKER ? nextMarker(image, at + 4) : claimed
    if (found === claimed) {
      at = claimed
      continue
    }
    if (found < 0 || found - (at + 2) > 0xffff) {
      return image
    }
    repaired ??= Buffer.from(image)
    repaired.writeUInt16BE(found - (at + 2), at + 2)
    at = found
  }
  return repaired ?? image
}

/** Where the entropy-coded data after a scan header ends: the first marker that is not a stuffed 0 or a restart. */
function entropyEnd(image: Buffer, from: number): number {
  for (let at = image.indexOf(MARKER, from); at >= 0; at = image.indexOf(MARKER, at + 1)) {
    const next = image[at + 1] ?? 0
    if (next !== 0x00 && next !== MARKER && !standalone(next)) {
      return at
    }
  }
  return image.length
}

function nextMarker(image: Buffer, from: number): number {
  for (let at = image.indexOf(MARKER, from); at >= 0; at = image.indexOf(MARKER, at + 1)) {
    if (isMarker(image[at + 1] ?? 0)) {
      return at
    }
  }
  return -1
}
