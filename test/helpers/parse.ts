// Feeds a stream through the framer and the body decoder, as the camera client does, and lists what came
// out: 'heartbeat', an event, or { invalid: reason }.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { decodeEventBody } from '../../src/lib/stream/event-body'
import { createMultipartParser, type SkippedBytes } from '../../src/lib/stream/multipart'
import type { CameraEvent } from '../../src/lib/types'

export type Outcome = 'heartbeat' | CameraEvent | { invalid: string }

export function parseChunks(
  chunks: Iterable<Buffer>,
  maxPartBytes?: number,
): { outcomes: Outcome[]; skipped: SkippedBytes[] } {
  const outcomes: Outcome[] = []
  const skipped: SkippedBytes[] = []
  const parser = createMultipartParser({
    onPart(body) {
      const decoded = decodeEventBody(body)
      if (decoded.kind === 'heartbeat') {
        outcomes.push('heartbeat')
      } else if (decoded.kind === 'events') {
        outcomes.push(...decoded.events)
      } else {
        outcomes.push({ invalid: decoded.reason })
      }
    },
    onSkip: (s) => skipped.push(s),
    ...(maxPartBytes ? { maxPartBytes } : {}),
  })
  for (const chunk of chunks) {
    parser.feed(chunk)
  }
  return { outcomes, skipped }
}

export function* bytesOf(buffer: Buffer): Generator<Buffer> {
  for (let i = 0; i < buffer.length; i++) {
    yield buffer.subarray(i, i + 1)
  }
}

export interface Fixture {
  name: string
  stream: Buffer
  expected: Outcome[]
}

export function loadFixtures(): Fixture[] {
  // Compiled tests run from .build/test/helpers; the fixtures stay in the source tree.
  const dir = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'multipart')
  return readdirSync(dir)
    .filter((file) => file.endsWith('.txt'))
    .map((file) => {
      const name = file.slice(0, -4)
      return {
        name,
        stream: readFileSync(join(dir, file)),
        expected: JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Outcome[],
      }
    })
}
