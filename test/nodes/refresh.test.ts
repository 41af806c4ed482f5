import assert from 'node:assert/strict'
import type { CameraSimulator, SimulatorOptions, SimulatorRequest } from '../../src/sim/camera-simulator'
import type { CameraEvent } from '../../src/lib/types'
import {
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  PASSWORD,
  runtimeName,
  useTiming,
} from '../helpers/flows'
import { simulator } from '../helpers/sim'
import { pass, until, waitFor } from '../helpers/wait'

// refreshMs 1: each refresh is due after the floor between refreshes (2.5 s), as soon as the client allows.
const FAST = { retryBaseMs: 50, retryCapMs: 300, stallMs: 300, healthyAfterMs: 200, headersTimeoutMs: 1_000 }
const start: CameraEvent = { code: 'VideoMotion', action: 'Start', index: 0 }
const stop: CameraEvent = { code: 'VideoMotion', action: 'Stop', index: 0 }

describe(`refresh and reconcile never lose, double or invent an event, in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, FAST)

  async function deployed(
    options: SimulatorOptions = {},
    timing?: object,
  ): Promise<Array<{ payload: Record<string, unknown> }>> {
    if (timing) {
      useTiming({ ...FAST, ...timing })
    }
    sim = simulator({ password: PASSWORD, heartbeatMs: 50, ...options })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port }), ...eventInFlowNode('ev')], credentials())
    const got = collect('ev-out')
    await waitFor(sim, 'attach', 'the attach')
    return got
  }

  const queried = (code: string): number =>
    sim.requests.filter(
      (r) => r.auth === 'ok' && r.url === `/cgi-bin/eventManager.cgi?action=getEventIndexes&code=${code}`,
    ).length
  const said = (got: Array<{ payload: Record<string, unknown> }>): string[] =>
    got.map((m) => `${String(m.payload.action)}${m.payload.reconciled ? ' reconciled' : ''}`)
  const refreshBegins = (r: SimulatorRequest): boolean => r.url.includes('action=attach') && r.auth === 'none'

  it('passes on an event only the old stream delivered, and the next identical one the new stream delivers', async () => {
    const got = await deployed({}, { refreshMs: 1 })
    sim.send(start)
    await until(() => got.length === 1, 'the Start')
    // The refresh is logging in: only the old stream is open, so this Stop is on it alone.
    await waitFor(sim, 'request', 'the refresh attach', 5_000, refreshBegins)
    sim.send(stop)
    await waitFor(sim, 'attach', 'the refresh stream')
    await until(() => sim.openStreams === 1, 'the old stream closed after the takeover')
    sim.send(start)
    sim.send(stop)
    await until(() => got.length === 4, `four events (got ${said(got).join(', ')})`)
    await pass(300)
    assert.deepEqual(said(got), ['Start', 'Stop', 'Start', 'Stop'])
  })

  it('passes on once an event the camera sent on both streams before its answer to the refresh arrived', async () => {
    // The camera registers the new attach and sends it this Stop; the old stream's copy is read before the new
    // stream's answer, which comes 150 ms later with its copy behind it.
    const got = await deployed({ attachAnswerDelayMs: 150 }, { refreshMs: 1 })
    sim.send(start)
    await until(() => got.length === 1, 'the Start')
    await waitFor(sim, 'attach', 'the refresh stream registered', 5_000)
    sim.send(stop)
    await until(() => got.length === 2, 'the Stop')
    await until(() => sim.openStreams === 1, 'the old stream closed after the takeover')
    await pass(200)
    assert.deepEqual(said(got), ['Start', 'Stop'])
  })

  it('passes on every flap of a detector exactly once through refreshes, identical events included', async () => {
    // A flapping motion detector: Start and Stop with identical data tens of ms apart. Through a refresh that
    // paired copies by time alone, 1-4 of 600 were lost (issue 17 §3); a refresh now switches in a quiet moment.
    const got = await deployed({}, { refreshMs: 1, quietMs: 300 })
    const data = { Id: [0], RegionName: ['Region1'] }
    const total = 600
    for (let n = 0; n < total; n += 2) {
      sim.send({ ...start, data })
      await pass(5 + (n % 7) * 5)
      sim.send({ ...stop, data })
      // Bursts of 40 with a moment of quiet between them, some long enough for a refresh and some not.
      await pass(n % 80 === 78 ? 350 : n % 40 === 38 ? 150 : 5 + (n % 5) * 6)
    }
    await until(() => got.length >= total, `${total} events (got ${got.length})`, 10_000)
    await pass(400)
    assert.equal(got.length, total, 'none doubled')
    assert.ok(
      got.every((m, i) => m.payload.action === (i % 2 ? 'Stop' : 'Start') && !m.payload.reconciled),
      'each once, in order',
    )
    assert.ok(sim.attaches >= 3, `${sim.attaches} attaches: refreshed at least twice`)
  })

  it('puts a refresh off when an event comes while it logs in, and loses and doubles nothing', async () => {
    const got = await deployed({}, { refreshMs: 1, quietMs: 100 })
    // The refresh asks in a quiet moment; an event the old stream delivers before the switch puts it off.
    await waitFor(sim, 'request', 'the refresh attach', 5_000, refreshBegins)
    sim.send(start)
    await waitFor(sim, 'attach', 'the refresh stream')
    sim.send(stop) // on both streams now
    await until(() => sim.openStreams === 1, 'the new stream closed: the refresh put off')
    await until(() => got.length === 2, 'Start and Stop')
    await waitFor(sim, 'attach', 'the next refresh, in a quiet moment', 6_000)
    await until(() => sim.openStreams === 1, 'the old stream closed after the switch')
    sim.send(start)
    await until(() => got.length === 3, 'the Start on the new stream')
    await pass(300)
    assert.deepEqual(said(got), ['Start', 'Stop', 'Start'])
  })

  it('stops asking about a code whose Stop always comes before the learning answer (review 8b)', async () => {
    // A tripwire's Start and Stop come together; the camera answers getEventIndexes 200 ms later, "No Events".
    // Before, each Start asked again: 10 questions for 10 crossings, each a login line in the camera's log.
    const got = await deployed({ indexesDelayMs: 200 })
    const cross: CameraEvent = { code: 'CrossLineDetection', action: 'Start', index: 0 }
    for (let i = 0; i < 10; i++) {
      sim.send(cross)
      sim.send({ ...cross, action: 'Stop' })
      await until(() => got.length === 2 * (i + 1), `crossing ${i + 1}`)
      await pass(300) // the question, if one is asked, and its answer
    }
    const asked = queried('CrossLineDetection')
    assert.ok(asked >= 1 && asked <= 3, `asked ${asked} times: at most three, then believed`)
  })

  it('forgets the overlap when the stream stops: a pause and resume right after a refresh drops nothing', async () => {
    const got = await deployed({}, { refreshMs: 1 })
    await waitFor(sim, 'attach', 'the refresh stream', 5_000)
    await until(() => sim.openStreams === 1, 'the old stream closed after the takeover')
    sim.send(start) // on the new stream alone: the old one is closed
    sim.send(stop)
    await until(() => got.length === 2, 'Start and Stop')
    helper.getNode('ev').receive({ action: 'pause' })
    await until(() => sim.openStreams === 0, 'the stream closed by the pause')
    helper.getNode('ev').receive({ action: 'resume' })
    await waitFor(sim, 'attach', 'the attach after resume')
    sim.send(start)
    sim.send(stop)
    await until(() => got.length === 4, `four events (got ${said(got).join(', ')})`)
    assert.deepEqual(said(got), ['Start', 'Stop', 'Start', 'Stop'])
  })

  it('reconciles after a refresh takes over: a Stop the stream lost comes out without any reconnect', async () => {
    const got = await deployed({}, { refreshMs: 1 })
    sim.send(start)
    await until(() => queried('VideoMotion') === 1 && sim.cgiInFlight === 0, 'the learning answer')
    sim.setActive('VideoMotion', 0, false) // the camera ended it and sent nothing: a stream losing events
    await until(() => got.length === 2, 'the reconciled Stop', 6_000)
    assert.deepEqual(said(got), ['Start', 'Stop reconciled'])
    assert.equal(sim.attaches, 2, 'found by the refresh, not by a reconnect')
  })

  it('keeps a refresh of any length from re-attaching in a loop', async () => {
    useTiming(FAST)
    sim = simulator({ password: PASSWORD, heartbeatMs: 50 })
    const port = await sim.listen()
    await helper.load(
      nodes,
      [{ ...cameraFlowNode({ port }), refreshMinutes: 1e9 }, ...eventInFlowNode('ev')],
      credentials(),
    )
    await waitFor(sim, 'attach', 'the attach')
    await pass(1_000)
    assert.equal(sim.attaches, 1)
    const value = (helper.getNode('cam') as unknown as { device: { timing: { refreshMs: number } } }).device
      .timing.refreshMs
    assert.equal(value, 2_147_483_647, 'the longest delay a timer keeps')
  })

  it('lets no getEventIndexes answer undo a Stop the stream delivered while the answer was on its way', async () => {
    const got = await deployed({ indexesDelayMs: 300 })
    sim.send(start)
    await until(() => queried('VideoMotion') === 1 && sim.cgiInFlight === 0, 'the learning answer')
    await pass(250) // a healthy stream: re-attached at once
    sim.drop()
    // On the re-attach the camera is asked what is active; it says "channel 0" and answers 300 ms later.
    await waitFor(
      sim,
      'request',
      'the reconcile question',
      3_000,
      (r: SimulatorRequest) => r.url.includes('getEventIndexes') && r.auth === 'ok',
    )
    sim.send(stop)
    await until(() => got.length === 2, 'the Stop')
    await until(() => sim.cgiInFlight === 0, 'the stale answer')
    await pass(100)
    assert.deepEqual(said(got), ['Start', 'Stop'])
  })

  it('asks one round of questions at a time when the camera drops its stream faster than it answers', async () => {
    const got = await deployed({ indexesDelayMs: 600 })
    sim.send(start)
    sim.send({ code: 'CrossLineDetection', action: 'Start', index: 0 })
    // Learnt means asked and answered: with no question yet sent, no call is in flight either.
    await until(
      () =>
        got.length === 2 &&
        queried('VideoMotion') === 1 &&
        queried('CrossLineDetection') === 1 &&
        sim.cgiInFlight === 0,
      'both codes learnt',
    )
    const before = sim.requests.filter((r) => r.url.includes('getEventIndexes') && r.auth === 'ok').length
    for (let n = 0; n < 5; n++) {
      await pass(250) // healthy: re-attached at once, while the last round's answers are still on their way
      const attached = waitFor(sim, 'attach', `re-attach ${n + 1}`)
      sim.drop()
      await attached
    }
    await until(() => sim.cgiInFlight === 0, 'every answer', 10_000)
    await pass(700)
    const asked =
      sim.requests.filter((r) => r.url.includes('getEventIndexes') && r.auth === 'ok').length - before
    // Five attaches, two codes: a round per attach would be 10 questions; one round under way and one waiting
    // after it is at most 3 rounds here.
    assert.ok(asked <= 6, `${asked} questions`)
    assert.ok(asked >= 2, 'the last attach is reconciled')
  })

  it('learns a code again when its Stop comes just after the "No Events" it explains', async () => {
    const got = await deployed({ indexesDelayMs: 100 })
    // The first question is asked as the motion ends: "No Events", and the stream's Stop after the answer.
    const ending = (r: SimulatorRequest): void => {
      if (r.url.includes('getEventIndexes') && r.auth === 'ok') {
        sim.off('request', ending)
        sim.setActive('VideoMotion', 0, false)
      }
    }
    sim.on('request', ending)
    sim.send(start)
    await until(() => queried('VideoMotion') === 1 && sim.cgiInFlight === 0, 'the "No Events" answer')
    await pass(50)
    sim.send(stop)
    await until(() => got.length === 2, 'the Stop')
    sim.send(start)
    await until(() => queried('VideoMotion') === 2 && sim.cgiInFlight === 0, 'a second learning question')
    await pass(250)
    // The motion ends while the camera cannot be reached; the endpoint is known to track it.
    await sim.refuseConnections(true)
    sim.setActive('VideoMotion', 0, false)
    await pass(200)
    await sim.refuseConnections(false)
    await until(() => got.length === 4, `the reconciled Stop (got ${said(got).join(', ')})`)
    assert.deepEqual(said(got), ['Start', 'Stop', 'Start', 'Stop reconciled'])
  })

  it('asks about a new code once, however many channels start together', async () => {
    const got = await deployed({ profile: 'nvr16' })
    for (let index = 0; index < 16; index++) {
      sim.send({ code: 'VideoMotion', action: 'Start', index })
    }
    await until(() => got.length === 16, 'sixteen Starts')
    await until(() => sim.cgiInFlight === 0, 'the answers')
    await pass(100)
    assert.equal(queried('VideoMotion'), 1)
  })
})
