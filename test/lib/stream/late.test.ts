import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MAX_LATE_EVENTS } from '../../../src/lib/limits'
import { Backlog, overlapOf } from '../../../src/lib/stream/late'
import type { CameraEvent } from '../../../src/lib/types'

// A flapping detector: few distinct events, so that identical ones are the rule, not the exception.
const NAMES = ['VideoMotion Start', 'VideoMotion Stop', 'CrossLineDetection Pulse']
const event = (name: string, n?: number): CameraEvent => {
  const [code, action] = name.split(' ') as [string, string]
  return { code, action, index: 0, ...(n === undefined ? {} : { data: { n } }) }
}
const names = (events: Array<{ event: CameraEvent }>): string[] =>
  events.map(({ event: e }) => `${e.code} ${e.action}${e.data ? ` ${(e.data as { n: number }).n}` : ''}`)

/**
 * An outage as the package sees it. The camera writes `sent` in order; the stalled stream carries all of them
 * (TCP retransmits its backlog), the new stream those from `registered` on, each as it is written. The stalled
 * stream's backlog arrives in one burst after `burstAt` events were written (at the soonest at the
 * registration: the network is back); sorting happens in quiet moments after `quietAfter` writes, and at the end.
 */
function outage(sent: CameraEvent[], registered: number, burstAt: number, quietAfter: number[]): string[] {
  const backlog = new Backlog()
  backlog.newStream(true)
  const late: Array<{ event: CameraEvent }> = []
  let oldRead = 0
  const burst = (upTo: number): void => {
    // Once caught up, the stalled stream is closed (event-stream.ts): nothing more is read from it.
    for (; oldRead < upTo && !backlog.caughtUp; oldRead++)
      late.push(...backlog.fromOld(sent[oldRead]!, oldRead, false))
  }
  for (let written = 0; written <= sent.length; written++) {
    if (written === burstAt) burst(written)
    if (written > burstAt) burst(written) // caught up: copies come as they are written
    if (quietAfter.includes(written) && !backlog.caughtUp) late.push(...backlog.sort(true))
    if (written < sent.length && written >= registered) late.push(...backlog.fromNew(sent[written]!))
  }
  if (!backlog.caughtUp) late.push(...backlog.sort(true))
  late.push(...backlog.end(true))
  return names(late)
}

describe('late events: a stalled stream sorted against the new one by order', () => {
  it('passes on what only the stalled stream carried, identical events included, exactly once and in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...NAMES), { maxLength: 30 }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 5 }),
        (list, r, b, q) => {
          const sent = list.map((name) => event(name))
          const registered = r % (sent.length + 1)
          const burstAt = registered + (b % (sent.length - registered + 1))
          const quietAfter = q.map((x) => x % (sent.length + 1))
          assert.deepEqual(
            outage(sent, registered, burstAt, quietAfter),
            names(sent.slice(0, registered).map((e) => ({ event: e }))),
          )
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('sorts distinct events as they come, whichever stream is ahead, without waiting for quiet', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        (before, after, order) => {
          const sent = [...Array(before + after).keys()].map((n) => event('CrossLineDetection Pulse', n))
          const backlog = new Backlog()
          backlog.newStream(true)
          const late: Array<{ event: CameraEvent }> = []
          let o = 0
          let n = before
          // Any interleaving of the two streams' reads, each in the camera's order.
          for (const oldFirst of order) {
            if (oldFirst && o < sent.length) late.push(...backlog.fromOld(sent[o]!, o++, false))
            else if (n < sent.length) late.push(...backlog.fromNew(sent[n++]!))
          }
          while (n < sent.length) late.push(...backlog.fromNew(sent[n++]!))
          while (o < sent.length) late.push(...backlog.fromOld(sent[o]!, o++, false))
          // Every late one is out once the stalled stream's first copy is read, before any quiet moment.
          assert.deepEqual(names(late), names(sent.slice(0, before).map((e) => ({ event: e }))))
        },
      ),
    )
  })

  it('passes on everything the stalled stream brings while no new attach is under way', () => {
    const backlog = new Backlog()
    backlog.newStream(false)
    assert.deepEqual(names(backlog.fromOld(event(NAMES[0]!), 1, false)), [NAMES[0]])
  })

  it('holds what may still be a copy while events are in flight, and sorts it in a quiet moment', () => {
    const backlog = new Backlog()
    backlog.newStream(true)
    backlog.fromNew(event(NAMES[0]!))
    // Start, Start on the stalled stream and one Start on the new: one late, or none with a copy in flight.
    assert.deepEqual(backlog.fromOld(event(NAMES[0]!), 1, false), [])
    assert.deepEqual(backlog.fromOld(event(NAMES[0]!), 2, false), [])
    assert.deepEqual(names(backlog.sort(true)), [NAMES[0]])
    assert.equal(backlog.caughtUp, true)
  })

  it('says when it holds all it may, and takes in what one read already brought', () => {
    const backlog = new Backlog()
    backlog.newStream(true) // and the new stream has delivered nothing yet: all of them may be copies
    for (let n = 0; n < MAX_LATE_EVENTS - 1; n++) backlog.fromOld(event(NAMES[0]!), n, false)
    assert.equal(backlog.full, false)
    backlog.fromOld(event(NAMES[0]!), MAX_LATE_EVENTS, false)
    assert.equal(backlog.full, true)
    // In a quiet moment of the new stream, which brought nothing, they are all late, and there is room again.
    assert.equal(backlog.sort(true).length, MAX_LATE_EVENTS)
    assert.equal(backlog.full, false)
  })

  it('gives up comparing once the new stream brought more than it keeps', () => {
    const backlog = new Backlog()
    backlog.newStream(true)
    for (let n = 0; n <= MAX_LATE_EVENTS; n++) backlog.fromNew(event(NAMES[2]!, n))
    assert.equal(backlog.overrun, true)
  })

  it('finds the longest end of one list that begins the other', () => {
    assert.equal(overlapOf(['a', 'b', 'a'], ['b', 'a', 'c']), 2)
    assert.equal(overlapOf(['a'], ['b']), 0)
    assert.equal(overlapOf([], ['b']), 0)
  })
})
