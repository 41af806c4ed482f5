import assert from 'node:assert/strict'
import { classify } from '../../../src/lib/session/http-session'
import { HealthTracker } from '../../../src/lib/stream/health'
import { EventLedger, parseEventIndexes } from '../../../src/lib/stream/ledger'

describe('event ledger', () => {
  it('reads getEventIndexes answers', () => {
    assert.deepEqual(parseEventIndexes('channels[0]=0\r\nchannels[1]=5\r\nchannels[2]=7\r\n'), {
      active: [0, 5, 7],
    })
    assert.deepEqual(parseEventIndexes('Error: No Events\r\n'), { active: [] })
    assert.deepEqual(parseEventIndexes(''), { active: [] })
    assert.deepEqual(parseEventIndexes('Error\r\nBad Request!\r\n'), { error: 'Error\r\nBad Request!' })
  })

  it('gives a Stop the seconds since its Start, and nothing to a Stop without one', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'VideoMotion', action: 'Start', index: 1 }, 1_000)
    assert.deepEqual(ledger.observe({ code: 'VideoMotion', action: 'Stop', index: 1 }, 13_500), {
      code: 'VideoMotion',
      action: 'Stop',
      index: 1,
      duration: 12.5,
    })
    assert.deepEqual(ledger.observe({ code: 'VideoMotion', action: 'Stop', index: 1 }, 14_000), {
      code: 'VideoMotion',
      action: 'Stop',
      index: 1,
    })
  })

  it('after a gap: a Stop for what ended, a Start for what began, for a code the endpoint tracks', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'VideoMotion', action: 'Start', index: 0 }, 0)
    ledger.learn('VideoMotion', 0, { active: [0] }, 10, ledger.mark())
    const events = ledger.reconcile('VideoMotion', { active: [2] }, 30_000, ledger.mark())
    assert.deepEqual(events, [
      { code: 'VideoMotion', action: 'Stop', index: 0, reconciled: true, duration: 30 },
      { code: 'VideoMotion', action: 'Start', index: 2, reconciled: true },
    ])
    assert.deepEqual(
      ledger.reconcile('VideoMotion', { active: [2] }, 31_000, ledger.mark()),
      [],
      'nothing twice',
    )
  })

  it('reads "No Events" as inactive only for a code the endpoint was seen to report', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'CrossLineDetection', action: 'Start', index: 0 }, 0)
    // the stream says active, the endpoint says nothing
    ledger.learn('CrossLineDetection', 0, { active: [] }, 10, ledger.mark())
    assert.equal(ledger.unknown('CrossLineDetection'), false)
    assert.deepEqual(ledger.reconcile('CrossLineDetection', { active: [] }, 5_000, ledger.mark()), [])
    assert.equal(ledger.isActive('CrossLineDetection', 0), true, 'still active: nothing says otherwise')
  })

  it('lets no answer undo a Start or Stop the stream delivered after the question was sent', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'VideoMotion', action: 'Start', index: 0 }, 0)
    ledger.learn('VideoMotion', 0, { active: [0] }, 10, ledger.mark())
    ledger.answered()
    const asked = ledger.mark()
    ledger.observe({ code: 'VideoMotion', action: 'Stop', index: 0 }, 100) // while the answer is on its way
    ledger.observe({ code: 'VideoMotion', action: 'Start', index: 1 }, 100)
    assert.deepEqual(ledger.reconcile('VideoMotion', { active: [0] }, 150, asked), [], 'the answer is older')
    ledger.answered()
    assert.equal(ledger.isActive('VideoMotion', 0), false)
    assert.equal(ledger.isActive('VideoMotion', 1), true)
    // With no question out, what the stream said is not kept for one: a later answer is judged whole.
    ledger.observe({ code: 'VideoMotion', action: 'Stop', index: 1 }, 200)
    const later = ledger.mark()
    assert.deepEqual(ledger.reconcile('VideoMotion', { active: [1] }, 300, later), [
      { code: 'VideoMotion', action: 'Start', index: 1, reconciled: true },
    ])
    ledger.answered()
  })

  it('takes back "does not track" when the Stop that explains the "No Events" comes just after it', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'VideoMotion', action: 'Start', index: 0 }, 0)
    ledger.learn('VideoMotion', 0, { active: [] }, 500, ledger.mark()) // the event ended as the camera answered
    assert.equal(ledger.unknown('VideoMotion'), false)
    ledger.observe({ code: 'VideoMotion', action: 'Stop', index: 0 }, 700)
    assert.equal(ledger.unknown('VideoMotion'), true, 'to be learnt again at its next Start')
    // A Stop long after the answer says nothing about it: an untracked code stays untracked.
    ledger.observe({ code: 'CrossLineDetection', action: 'Start', index: 0 }, 0)
    ledger.learn('CrossLineDetection', 0, { active: [] }, 500, ledger.mark())
    ledger.observe({ code: 'CrossLineDetection', action: 'Stop', index: 0 }, 60_000)
    assert.equal(ledger.unknown('CrossLineDetection'), false)
  })

  it('never reconciles Pulse or State codes', () => {
    const ledger = new EventLedger()
    ledger.observe({ code: 'NewFile', action: 'Pulse', index: 0 }, 0)
    ledger.observe({ code: 'VideoMotionInfo', action: 'State', index: 0 }, 0)
    assert.deepEqual(ledger.latchedCodes(), [])
  })
})

describe('connection health', () => {
  it('says connected, disconnected with why, retrying, and connected again with the downtime', () => {
    const health = new HealthTracker()
    assert.equal(health.update({ state: 'connecting' }, 0), undefined)
    assert.deepEqual(health.update({ state: 'connected' }, 1_000), {
      state: 'connected',
      since: '1970-01-01T00:00:01.000Z',
      reconnects: 0,
    })
    assert.deepEqual(
      health.update({ state: 'retrying', reason: { kind: 'stalled', detail: '15s' } }, 2_000),
      {
        state: 'disconnected',
        since: '1970-01-01T00:00:02.000Z',
        reason: 'stalled 15s',
        reconnects: 0,
      },
    )
    assert.equal(
      health.update({ state: 'retrying', reason: { kind: 'network', detail: 'ECONNREFUSED' } }, 3_000)?.state,
      'retrying',
    )
    assert.equal(
      health.update({ state: 'unreachable', reason: { kind: 'network' } }, 4_000),
      undefined,
      'no repeat',
    )
    assert.deepEqual(health.update({ state: 'connected' }, 122_000), {
      state: 'connected',
      since: '1970-01-01T00:02:02.000Z',
      reconnects: 1,
      downtime: 120,
    })
  })

  it('says auth-failed and tls-refused once each', () => {
    const health = new HealthTracker()
    assert.equal(health.update({ state: 'auth-failed', reason: { kind: 'auth' } }, 0)?.state, 'auth-failed')
    assert.equal(health.update({ state: 'auth-failed', reason: { kind: 'auth' } }, 1)?.state, undefined)
    assert.equal(health.update({ state: 'tls-refused', reason: { kind: 'tls' } }, 2)?.state, 'tls-refused')
  })
})

describe('naming why a stream ended', () => {
  it('says an open stream ended by unanswered keepalive probes is not a connection that never came', () => {
    const probes = Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' })
    assert.deepEqual(classify(probes, true), { kind: 'keepalive' })
    assert.deepEqual(classify(probes), { kind: 'no-connect' })
  })
})
