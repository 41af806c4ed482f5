import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MAX_OVERLAP_EVENTS } from '../../../src/lib/limits'
import { COPY_WITHIN_MS, OVERLAP_CLOSE_MS, OVERLAP_END_MS, Overlap } from '../../../src/lib/stream/overlap'
import type { CameraEvent } from '../../../src/lib/types'

const CODES = ['VideoMotion Start', 'VideoMotion Stop', 'CrossLineDetection Pulse']
const event = (name: string): CameraEvent => {
  const [code, action] = name.split(' ') as [string, string]
  return { code, action, index: 0 }
}

interface Read {
  stream: 'old' | 'new'
  name: string
  at: number
}

interface Sent {
  name: string
  at: number
  /** How late the old and the new stream's copies are read. */
  jitter: [number, number]
}

/**
 * A refresh as the client sees it. The new attach is asked for at 0 and registered by the camera at `registered`;
 * before that the old stream alone gets events, from then on both get each one. The new stream's answer is read
 * `answer` ms later, with the events sent meanwhile queued behind it. The old stream is closed OVERLAP_CLOSE_MS
 * after the answer (what it has not read by then is lost) and the overlap ends at OVERLAP_END_MS. Returns the
 * names passed on.
 */
function refresh(sent: Sent[], registered: number, answer: number): string[] {
  const answeredAt = registered + answer
  const reads: Read[] = []
  for (const { name, at, jitter } of sent) {
    reads.push({ stream: 'old', name, at: at + jitter[0] })
    if (at >= registered) reads.push({ stream: 'new', name, at: Math.max(at, answeredAt) + jitter[1] })
  }
  reads.sort((a, b) => a.at - b.at)
  const overlap = new Overlap()
  const streams = { old: { openedAt: -60_000 }, new: { openedAt: answeredAt } }
  const passed: string[] = []
  for (const read of reads) {
    if (read.stream === 'old' && read.at > answeredAt + OVERLAP_CLOSE_MS) continue
    const checked = read.at <= answeredAt + OVERLAP_END_MS
    if (!checked || !overlap.duplicate(streams[read.stream], event(read.name), read.at))
      passed.push(read.name)
  }
  return passed.sort()
}

/** Identical events closer than this (with jitter up to JITTER) may be taken for copies of each other. */
const JITTER = COPY_WITHIN_MS / 2
const APART = COPY_WITHIN_MS + JITTER

describe('refresh overlap', () => {
  it('passes each event once, whichever stream reads it first, and what the old one said alone too', () => {
    // Per code, its events apart by more than APART: closer, two of them may be taken for copies of each other.
    const times = fc.tuple(
      fc.integer({ min: 0, max: 300 }),
      fc.array(fc.integer({ min: APART + 1, max: 700 }), { maxLength: 4 }),
    )
    const copyJitter = fc.tuple(fc.integer({ min: 0, max: JITTER }), fc.integer({ min: 0, max: JITTER }))
    fc.assert(
      fc.property(
        fc.tuple(times, times, times),
        fc.array(copyJitter, { minLength: 15, maxLength: 15 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 400 }),
        (perCode, jitters, registered, answer) => {
          const events: Sent[] = perCode.flatMap(([first, gaps], c) =>
            [first, ...gaps].map((_, i, all) => ({
              name: CODES[c] as string,
              at: all.slice(0, i + 1).reduce((a, b) => a + b, 0),
              jitter: jitters[c * 5 + i] as [number, number],
            })),
          )
          const expected = events.map((e) => e.name).sort()
          assert.deepEqual(refresh(events, registered, answer), expected)
        },
      ),
      { numRuns: 5_000 },
    )
  })

  it('passes once an event sent on both streams whose old copy is read before the new stream is answered', () => {
    // What CI saw: sent as the camera registered the new attach, read on the old stream at once.
    const passed = refresh([{ name: 'VideoMotion Stop', at: 50, jitter: [0, 40] }], 50, 40)
    assert.deepEqual(passed, ['VideoMotion Stop'])
  })

  it('keeps a Stop the old stream alone said from swallowing the next Stop the new stream says', () => {
    const stop = (at: number): { name: string; at: number; jitter: [number, number] } => ({
      name: 'VideoMotion Stop',
      at,
      jitter: [0, 0],
    })
    // The Stop while the new attach logs in; the next one after the old stream closed.
    assert.deepEqual(refresh([stop(10), stop(900)], 60, 20), ['VideoMotion Stop', 'VideoMotion Stop'])
  })

  it('stops remembering past its limit: a flood passes twice rather than grow memory', () => {
    const overlap = new Overlap()
    const [old, fresh] = [{ openedAt: -1_000 }, { openedAt: 0 }]
    const flood = (n: number): CameraEvent => ({ code: `Flood${n}`, action: 'Pulse', index: 0 })
    for (let n = 0; n < MAX_OVERLAP_EVENTS; n++) overlap.duplicate(old, flood(n), 0)
    assert.equal(overlap.duplicate(fresh, flood(MAX_OVERLAP_EVENTS), 1), false, 'not recorded')
    assert.equal(overlap.duplicate(old, flood(MAX_OVERLAP_EVENTS), 2), false, 'so its copy passes too')
    assert.equal(overlap.duplicate(fresh, flood(0), 3), true, 'what was recorded still finds its copy')
  })
})
