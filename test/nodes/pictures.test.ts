// Pictures on Starts never cost events and never show an earlier moment (issue 17 §5, network-faults.md 4): a
// fetch nobody waits for is aborted, a Start's picture is asked for after it arrived (`msg.imageAt`), and failures
// in a row pause pictures. Flows in a real Node-RED against the simulator over TCP; the pause's end with a clock.
import assert from 'node:assert/strict'
import { Device, PICTURE_FAILURES, PICTURE_PAUSE_MS, PicturesPaused } from '../../src/lib/device'
import type { CameraSimulator, SimulatorOptions, SimulatorRequest } from '../../src/sim/camera-simulator'
import {
  PASSWORD,
  cameraFlowNode,
  collect,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  useTiming,
} from '../helpers/flows'
import { simulator } from '../helpers/sim'
import { pass, until, waitFor } from '../helpers/wait'

interface PictureMessage {
  payload: { action: string; receivedAt: string }
  image?: Buffer
  imageAt?: string
  imageError?: string
}

interface SpyCall {
  args: unknown[]
  thisValue: unknown
}

const PAUSED = 'dahua-event-in.errors.pictures-paused'

const isPictureRequest = (r: SimulatorRequest): boolean =>
  r.auth === 'ok' && r.url.startsWith('/cgi-bin/snapshot.cgi')

describe(`pictures on Starts in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim)

  /** A camera and one event node taking Starts with pictures, waiting `seconds` for each. */
  async function deploy(simOptions: SimulatorOptions, seconds: number): Promise<PictureMessage[]> {
    sim = simulator({ password: PASSWORD, ...simOptions })
    const port = await sim.listen()
    await helper.load(
      nodes,
      [
        cameraFlowNode({ port }),
        ...eventInFlowNode('ev', { snapshot: true, snapshotTimeout: seconds, actions: 'Start' }),
      ],
      credentials(),
    )
    const got = collect('ev-out') as unknown as PictureMessage[]
    await waitFor(sim, 'attach', 'the attach')
    return got
  }

  const pictureRequests = (): number => sim.requests.filter(isPictureRequest).length

  /** A Start on channel 1 (and its Stop, so that the next one is a new Start), and its message. */
  async function start(got: PictureMessage[]): Promise<PictureMessage> {
    const count = got.length
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    sim.send({ code: 'VideoMotion', action: 'Stop', index: 0 })
    await until(() => got.length === count + 1, `Start ${count + 1}`)
    return got[count]!
  }

  it("an editor's previews of a channel the camera lacks do not pause the flows' pictures (issue 20 §3)", async () => {
    const got = await deploy({}, 2)
    for (let i = 0; i < 3; i++) {
      // One preview a second at most (preview.ts): each of these reaches the camera.
      if (i > 0) await pass(1_100)
      const res = await helper
        .request()
        .get('/dahua-camera/cam/snapshot?channel=2')
        .set({ 'Node-RED-API-Version': 'v2' })
      assert.equal(res.status, 502)
    }
    assert.equal(pictureRequests(), 3)
    const msg = await start(got)
    assert.equal(msg.imageError, undefined)
    assert.ok(Buffer.isBuffer(msg.image), 'the Start has its picture')
  })

  it('aborts a fetch the node gave up on: the camera sees its picture request closed', async () => {
    // The camera never answers, and the call's own limit is far away: only giving up can end the request.
    useTiming({ cgiTimeoutMs: 120_000 })
    const got = await deploy({ slowAnswers: { 'snapshot.cgi': 'silent' } }, 0.3)
    const msg = await start(got)
    assert.equal(msg.imageError, 'dahua-event-in.errors.no-picture')
    await until(() => sim.snapshotsClosedEarly === 1, 'the camera to see the abandoned request closed')
    assert.equal(pictureRequests(), 1)
  })

  it('aborts the fetch of a Start still waiting when its node is removed, and sends that Start', async () => {
    useTiming({ cgiTimeoutMs: 120_000 })
    sim = simulator({ password: PASSWORD, slowAnswers: { 'snapshot.cgi': 'silent' } })
    const port = await sim.listen()
    // A second node keeps the camera's stream, so that only the removed node's giving up can end the fetch.
    const other = eventInFlowNode('other', { codes: 'TimeChange' })
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('ev', { snapshot: true, snapshotTimeout: 60 }), ...other],
      credentials(),
    )
    await waitFor(sim, 'attach', 'the attach')
    // What the node sends as it closes: the helper node after it is being removed too.
    const node = helper.getNode('ev') as unknown as { send: { getCalls(): SpyCall[] } }
    const sent = node.send
    const asked = waitFor(sim, 'request', 'the picture request', 5_000, isPictureRequest)
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await asked
    await helper.setFlows([cameraFlowNode({ port }), ...other], 'nodes', credentials())
    await until(
      () => sim.snapshotsClosedEarly === 1,
      'the camera to see the request closed as the node closes',
    )
    assert.equal(sim.openStreams, 1, 'the stream stayed')
    const starts = sent
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => (call.args[0] as [PictureMessage | null, unknown])[0])
      .filter((msg) => msg !== null)
    assert.equal(starts.length, 1, 'the Start went out')
    assert.equal(starts[0]!.image, undefined)
    assert.ok(starts[0]!.imageError, 'saying why it has no picture')
  })

  it('gives a Start that arrives while an earlier fetch of its channel is under way a picture asked for after it', async () => {
    const got = await deploy({ snapshotDelayMs: 500 }, 5)
    const first = waitFor(sim, 'request', 'the first picture request', 5_000, isPictureRequest)
    sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
    await first
    // The first fetch is at the camera; this Start, on the same channel, must not take its picture.
    sim.send({ code: 'CrossLineDetection', action: 'Start', index: 0 })
    await until(() => got.length === 2, 'both Starts')
    assert.equal(pictureRequests(), 2, 'a fetch of its own for the later Start')
    for (const msg of got) {
      assert.ok(Buffer.isBuffer(msg.image), `a picture: ${String(msg.imageError)}`)
      assert.ok(msg.imageAt !== undefined, 'imageAt is set')
      assert.ok(
        Date.parse(msg.imageAt) >= Date.parse(msg.payload.receivedAt),
        `asked for at ${msg.imageAt}, after the Start arrived at ${msg.payload.receivedAt}`,
      )
    }
  })

  it('pauses pictures after 3 in a row took longer than the wait: the next Start goes out without asking, saying so', async () => {
    useTiming({ cgiTimeoutMs: 120_000 })
    const got = await deploy({ slowAnswers: { 'snapshot.cgi': 'silent' } }, 0.3)
    for (let n = 1; n <= PICTURE_FAILURES; n++) {
      assert.equal((await start(got)).imageError, 'dahua-event-in.errors.no-picture', `Start ${n}`)
    }
    assert.equal(pictureRequests(), PICTURE_FAILURES)
    const paused = await start(got)
    assert.equal(paused.imageError, PAUSED)
    assert.equal(paused.image, undefined)
    await pass(200)
    assert.equal(pictureRequests(), PICTURE_FAILURES, 'nothing asked of the camera while paused')
  })

  it('counts failures in a row only: a picture that arrives ends the count', async () => {
    const got = await deploy({}, 5)
    const errors: Array<string | undefined> = []
    for (const fails of [true, true, false, true, true, true, true]) {
      sim.snapshotFails = fails // HTTP 500
      errors.push((await start(got)).imageError)
    }
    assert.deepEqual(errors, ['HTTP 500', 'HTTP 500', undefined, 'HTTP 500', 'HTTP 500', 'HTTP 500', PAUSED])
    assert.equal(pictureRequests(), 6, 'asked for every Start but the paused one')
  })
})

describe('the pause of pictures ends after its time, and an asked-for picture is never paused', () => {
  let sim: CameraSimulator | undefined
  let device: Device | undefined
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  it('pauses for PICTURE_PAUSE_MS, tries one Start after it and pauses again on its failure; a success ends it', async () => {
    sim = simulator({ password: PASSWORD })
    const port = await sim.listen()
    let now = 1_000_000
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: PASSWORD },
      heartbeatSeconds: 1,
      now: () => now,
    })
    const d = device
    const start = (): Promise<unknown> =>
      d.picture(1, { notBefore: now, waitMs: 5_000 }).then(
        () => 'picture',
        (err: Error) => (err instanceof PicturesPaused ? `paused until ${err.until - now}` : err.message),
      )
    sim.snapshotFails = true
    for (let n = 0; n < PICTURE_FAILURES; n++) {
      assert.equal(await start(), 'HTTP 500')
    }
    assert.equal(await start(), `paused until ${PICTURE_PAUSE_MS}`)
    now += PICTURE_PAUSE_MS
    assert.equal(await start(), 'HTTP 500', 'one try after the pause')
    assert.equal(await start(), `paused until ${PICTURE_PAUSE_MS}`, 'paused again at once')
    // A picture asked for by a control node is not paused, and its success ends the pause.
    sim.snapshotFails = false
    assert.ok(Buffer.isBuffer(await d.snapshot(1)))
    assert.equal(await start(), 'picture')
  })
})
