// A camera that is broken, compromised or impersonated (issue 8): every bound in limits.ts holds against what it
// sends over real sockets, and the login never hands it the password in clear.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CameraClient, type CameraClientOptions, type StreamWarning } from '../../src/lib/camera-client'
import { AnswerTooLarge } from '../../src/lib/http-session'
import { DEFAULT_SNAPSHOT_BYTES, MAX_CODES, MAX_STATE_ANSWER_BYTES } from '../../src/lib/limits'
import type { Timing } from '../../src/lib/policy'
import type { CameraEvent, StateChange } from '../../src/lib/types'
import type { CameraSimulator, SimulatorOptions } from '../../src/sim/camera-simulator'
import { endlessMarkerLine, newChannelStart, newCodeStart } from '../../src/sim/hostile'
import { connection, simulator } from '../helpers/sim'
import { until, waitFor } from '../helpers/wait'

const PASSWORD = 'S3cret-Pa55'
const FAST: Partial<Timing> = {
  retryBaseMs: 50,
  retryCapMs: 400,
  stallMs: 300,
  healthyAfterMs: 200,
  headersTimeoutMs: 1_000,
  silentCameraMs: 1_500,
}
const tlsDir = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls')

describe(`a hostile camera, to the camera client (connections ${connection})`, () => {
  let sim: CameraSimulator
  let client: CameraClient | undefined
  let states: StateChange[]
  let events: CameraEvent[]
  let warnings: StreamWarning[]

  async function setup(
    simOptions: SimulatorOptions = {},
    clientOptions: Partial<CameraClientOptions> = {},
  ): Promise<CameraClient> {
    sim = simulator({ password: PASSWORD, heartbeatMs: 100, ...simOptions })
    const port = await sim.listen()
    client = new CameraClient({
      address: { host: '127.0.0.1', port, protocol: simOptions.tls ? 'https' : 'http', verifyTls: false },
      credentials: { username: 'admin', password: PASSWORD },
      heartbeatSeconds: 1,
      timing: FAST,
      ...clientOptions,
    })
    states = []
    events = []
    warnings = []
    client.on('state', (s) => states.push(s))
    client.on('event', (e) => events.push(e))
    client.on('warning', (w) => warnings.push(w))
    return client
  }
  const limits = (): string[] => warnings.flatMap((w) => (w.kind === 'limit' ? [w.limit] : []))

  afterEach(async () => {
    await client?.close()
    client = undefined
    await sim.close()
  })

  describe('login', () => {
    it('sends no Basic login over http unless allowed: a red state that names the option, and no refusal', async () => {
      const c = await setup({ auth: 'basic' })
      c.start()
      await waitFor(c, 'state', 'auth-failed', 3_000, (s: StateChange) => s.state === 'auth-failed')
      assert.deepEqual(c.state.reason, { kind: 'basic', detail: 'not-allowed' })
      assert.ok(
        sim.requests.every((r) => r.auth === 'none'),
        'no request carried credentials',
      )
      assert.equal(c.http.budget.refused, 0)
      assert.equal(sim.attaches, 0)
    })

    it('answers a Basic-only camera over https without the option', async () => {
      const tls = {
        key: readFileSync(join(tlsDir, 'key.pem')),
        cert: readFileSync(join(tlsDir, 'cert.pem')),
      }
      const c = await setup({ auth: 'basic', tls })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      assert.equal(sim.refusedLogins, 0)
    })

    it('refuses a Basic challenge from a camera that has done Digest, even with the option', async () => {
      const c = await setup({}, { allowBasic: true })
      c.start()
      await waitFor(sim, 'attach', 'the Digest attach')
      const before = sim.requests.length
      sim.setAuth('basic') // something now answers in the camera's place and asks for the password in clear
      sim.drop()
      await waitFor(c, 'state', 'auth-failed', 3_000, (s: StateChange) => s.state === 'auth-failed')
      assert.deepEqual(c.state.reason, { kind: 'basic', detail: 'downgrade' })
      assert.ok(
        sim.requests.slice(before).every((r) => r.auth === 'none'),
        'the password was not sent',
      )
      assert.equal(c.http.budget.refused, 0)
    })

    it('prefers Digest whenever the challenges offer it, whichever comes first', async () => {
      const c = await setup({ auth: 'both' }, { allowBasic: true })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      assert.equal(sim.refusedLogins, 0)
      assert.deepEqual(
        new Set(sim.requests.flatMap((r) => (r.scheme ? [r.scheme] : []))),
        new Set(['digest']),
      )
    })

    it('books no refusal for a 401 to a request that carried no credentials (two first calls at once)', async () => {
      const c = await setup({ auth: 'basic' }, { allowBasic: true })
      const answers = await Promise.all([
        c.http.cgi('/cgi-bin/magicBox.cgi?action=getSystemInfo'),
        c.http.cgi('/cgi-bin/magicBox.cgi?action=getSoftwareVersion'),
      ])
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200],
      )
      assert.equal(c.http.budget.refused, 0)
      assert.equal(sim.refusedLogins, 0)
    })
  })

  describe('answer sizes', () => {
    it('aborts a snapshot the moment it passes its limit, and releases the socket', async () => {
      const c = await setup({ answerBytes: { snapshot: 1024 * 1024 * 1024 } })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      await assert.rejects(c.snapshot(1), AnswerTooLarge)
      await until(() => sim.abandonedAnswers === 1, 'the camera to see its answer abandoned')
      // What was written: the limit, plus what socket buffers held when the client hung up.
      assert.ok(
        sim.answerBytesWritten < DEFAULT_SNAPSHOT_BYTES + 16 * 1024 * 1024,
        `${sim.answerBytesWritten} bytes written`,
      )
      assert.deepEqual(limits(), ['snapshot'])
      // The camera's one session still works.
      assert.equal((await c.http.cgi('/cgi-bin/magicBox.cgi?action=getSystemInfo')).status, 200)
    })

    it('honours a smaller configured snapshot limit', async () => {
      const c = await setup({ answerBytes: { snapshot: 200 * 1024 } }, { maxSnapshotBytes: 100 * 1024 })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      await assert.rejects(c.snapshot(1), AnswerTooLarge)
    })

    it('reads a state answer only up to its limit: a 100 MB getEventIndexes reconciles nothing', async () => {
      const c = await setup({ answerBytes: { indexes: 100 * 1024 * 1024 } })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
      await until(() => limits().includes('answer'), 'the answer limit')
      await until(() => sim.abandonedAnswers >= 1, 'the answer abandoned')
      assert.ok(sim.answerBytesWritten < 100 * 1024 * 1024, `${sim.answerBytesWritten} bytes written`)
      assert.equal(events.length, 1, 'no synthetic events')
      assert.ok(MAX_STATE_ANSWER_BYTES <= 64 * 1024)
    })
  })

  describe('the stream', () => {
    it(`passes on and tracks at most ${MAX_CODES} distinct codes`, async () => {
      const c = await setup()
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      for (let n = 0; n < MAX_CODES + 50; n++) {
        sim.sendRaw(newCodeStart(n))
      }
      sim.send({ code: 'Flood0', action: 'Stop', index: 0 })
      await until(() => events.some((e) => e.action === 'Stop'), 'the Stop of a known code')
      assert.equal(new Set(events.map((e) => e.code)).size, MAX_CODES)
      assert.ok(limits().includes('codes'))
    })

    it('drops an event whose index is past any real channel, with a warning', async () => {
      const c = await setup()
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      sim.sendRaw(newChannelStart('9'.repeat(400)))
      sim.sendRaw(newChannelStart(1024))
      sim.sendRaw(newChannelStart(1023))
      await until(() => events.length === 1, 'the event on channel 1024')
      assert.equal(events[0]?.index, 1023)
      await until(() => warnings.filter((w) => w.kind === 'invalid-event').length === 2, 'two warnings')
    })

    it('declares a stream dead that sends only a line without end: bytes are not liveness', async () => {
      const c = await setup({ heartbeats: false })
      c.start()
      await waitFor(sim, 'attach', 'the attach')
      const feed = setInterval(() => sim.sendRaw(endlessMarkerLine(64 * 1024).subarray(2)), 50)
      try {
        await waitFor(c, 'state', 'the stall', 5_000, (s: StateChange) => s.reason?.kind === 'stalled')
      } finally {
        clearInterval(feed)
      }
      assert.ok(
        warnings.some((w) => w.kind === 'skipped' && w.skipped.reason === 'long-line'),
        'the long line was reported',
      )
    })
  })
})
