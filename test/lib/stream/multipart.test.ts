import assert from 'node:assert/strict'
import fc from 'fast-check'
import { boundaryFrom, createMultipartParser } from '../../../src/lib/stream/multipart'
import { encodeEvent, formatHeartbeat, formatPart, type PartFormat } from '../../../src/sim/wire'
import type { CameraEvent } from '../../../src/lib/types'
import { bytesOf, loadFixtures, parseChunks, type Outcome } from '../../helpers/parse'

describe('multipart framer and event decoder: dahua-protocol.md section 7 fixtures', () => {
  const fixtures = loadFixtures()

  it('has the fixtures on disk', () => {
    assert.ok(fixtures.length >= 14, `found ${fixtures.length} fixtures`)
  })

  for (const fixture of fixtures) {
    describe(fixture.name, () => {
      it('fed whole', () => {
        assert.deepEqual(parseChunks([fixture.stream]).outcomes, fixture.expected)
      })
      it('fed byte by byte', () => {
        assert.deepEqual(parseChunks(bytesOf(fixture.stream)).outcomes, fixture.expected)
      })
      it('split at every offset', () => {
        for (let i = 1; i < fixture.stream.length; i++) {
          const chunks = [fixture.stream.subarray(0, i), fixture.stream.subarray(i)]
          assert.deepEqual(parseChunks(chunks).outcomes, fixture.expected, `split at ${i}`)
        }
      })
    })
  }
})

describe('multipart framer: limits and reports', () => {
  const motion = formatPart('Code=VideoMotion;action=Start;index=0')

  it('emits a part the moment its Content-Length is satisfied, without waiting for the next boundary', () => {
    const { outcomes } = parseChunks([Buffer.from(motion.trimEnd())])
    assert.deepEqual(outcomes, [{ code: 'VideoMotion', action: 'Start', index: 0 }])
  })

  it('drops a part over the size limit with a report and resumes at the next boundary', () => {
    const head = Buffer.from(
      '--myboundary\r\nContent-Type: text/plain\r\nContent-Length:99999999\r\n\r\nCode=X;data=',
    )
    const filler = Buffer.alloc(64 * 1024, 0x78)
    const chunks = [head, ...Array.from({ length: 40 }, () => filler), Buffer.from(`\r\n${motion}`)]
    const { outcomes, skipped } = parseChunks(chunks, 1024 * 1024)
    assert.deepEqual(outcomes, [{ code: 'VideoMotion', action: 'Start', index: 0 }])
    assert.equal(skipped.length, 1)
    assert.equal(skipped[0]?.reason, 'oversize')
  })

  it('drops an endless part without a boundary and still parses what follows it', () => {
    const endless = Buffer.alloc(3 * 1024 * 1024, 0x41)
    const { outcomes, skipped } = parseChunks([
      Buffer.from('--myboundary\r\n\r\n'),
      endless,
      Buffer.from(`\r\n${motion}`),
    ])
    assert.deepEqual(outcomes, [{ code: 'VideoMotion', action: 'Start', index: 0 }])
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['oversize'],
    )
  })

  it('reports garbage between parts with a sample, and a stray status block as such', () => {
    const stream = `${motion}garbage!\r\n${motion}HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=myboundary\r\n\r\n${motion}`
    const { outcomes, skipped } = parseChunks([Buffer.from(stream)])
    assert.equal(outcomes.length, 3)
    assert.deepEqual(
      skipped.map((s) => [s.reason, s.sample.slice(0, 8)]),
      [
        ['garbage', 'garbage!'],
        ['status-line', 'HTTP/1.1'],
      ],
    )
  })

  it('starts clean after reset(): half a part from an old connection is not glued to the new one', () => {
    const events: string[] = []
    const parser = createMultipartParser({ onPart: (body) => events.push(body.toString()) })
    parser.feed(
      Buffer.from('--myboundary\r\nContent-Type: text/plain\r\nContent-Length:200\r\n\r\nCode=Half'),
    )
    parser.reset()
    parser.feed(Buffer.from(motion))
    assert.deepEqual(events, ['Code=VideoMotion;action=Start;index=0'])
  })

  it('reads the boundary from the Content-Type header, and falls back to myboundary', () => {
    assert.equal(boundaryFrom('multipart/x-mixed-replace; boundary=myboundary'), 'myboundary')
    assert.equal(boundaryFrom('multipart/x-mixed-replace;boundary="other"'), 'other')
    assert.equal(boundaryFrom(undefined), 'myboundary')
  })
})

describe('multipart framer: any chunking of any stream of parts yields the same events (fast-check)', () => {
  const code = fc.oneof(
    fc.constantFrom('VideoMotion', 'CrossLineDetection', '_DoTalkAction_', 'AlarmLocal', 'NewFile'),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/),
  )
  // Keys that reach a prototype are removed on purpose (limits.test.ts): everything else comes out as sent.
  const unsafe = /"(__proto__|constructor|prototype)":/
  const key = fc.string({ maxLength: 12 })
  const data = fc.option(
    fc
      .dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
      .filter((d) => !unsafe.test(JSON.stringify(d))),
    { nil: undefined },
  )
  const event = fc.record({
    code,
    action: fc.constantFrom('Start', 'Stop', 'Pulse', 'State'),
    index: fc.nat(63),
    data,
  })
  const format: fc.Arbitrary<PartFormat> = fc.record({
    contentLength: fc.oneof(
      fc.constantFrom<'exact' | 'none'>('exact', 'none'),
      fc.integer({ min: 1, max: 600 }),
    ),
    blankLine: fc.boolean(),
    spacedBoundary: fc.boolean(),
    lf: fc.boolean(),
    strayStatus: fc.boolean(),
  })
  const item = fc.oneof(fc.constant<'heartbeat'>('heartbeat'), fc.record({ event, format }))

  it('whole, and split at random points, both equal what was sent', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (items, cuts) => {
        const expected: Outcome[] = []
        let wire = ''
        for (const it of items) {
          if (it === 'heartbeat') {
            wire += formatHeartbeat()
            expected.push('heartbeat')
          } else {
            const sent: CameraEvent = { code: it.event.code, action: it.event.action, index: it.event.index }
            if (it.event.data !== undefined) {
              sent.data = JSON.parse(JSON.stringify(it.event.data)) as unknown
            }
            wire += formatPart(encodeEvent(sent), it.format)
            expected.push(sent)
          }
        }
        // The stream goes on after the last part, as a camera's does.
        const stream = Buffer.from(`${wire}--myboundary\r\n`)
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const chunks: Buffer[] = []
        let from = 0
        for (const point of points) {
          chunks.push(stream.subarray(from, point))
          from = point
        }
        chunks.push(stream.subarray(from))
        assert.deepEqual(parseChunks([stream]).outcomes, expected)
        assert.deepEqual(parseChunks(chunks).outcomes, expected)
      }),
      { numRuns: 500 },
    )
  })
})
