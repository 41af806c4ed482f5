// Node-RED as users run it: its own CLI in a child process, not the test helper. Whatever the package does with
// kept-alive sockets (Test connection, redeploys, stop), that process must live on and end cleanly.
import assert from 'node:assert/strict'
import type { CameraSimulator, SimulatorRequest } from '../../src/sim/camera-simulator'
import { PASSWORD, runtimeName } from '../helpers/flows'
import { cameraFlow, startNodeRed, type NodeRedProcess } from '../helpers/process'
import { MAX_CODES } from '../../src/lib/limits'
import {
  deepEvent,
  endlessMarkerLine,
  newChannelStart,
  newCodeStart,
  newRuleDetection,
  wideObjectEvent,
  newDoorContact,
} from '../../src/sim/hostile'
import { formatPart } from '../../src/sim/wire'
import { simulator } from '../helpers/sim'
import { pass, until } from '../helpers/wait'

// npm test runs this with the simulator keeping its connections alive, then closing them (runtimeName says which).
describe(`a real Node-RED process (${runtimeName})`, function () {
  this.timeout(90_000)
  let sim: CameraSimulator
  let red: NodeRedProcess | undefined

  afterEach(async () => {
    red?.cleanup()
    await sim?.close()
  })

  for (const profile of ['nvr16', 'vto']) {
    it(`lives through Test connection, redeploys and stop of a ${profile} with its sockets open, and exits cleanly`, async () => {
      sim = simulator({ profile, password: PASSWORD, heartbeatMs: 200 })
      const camPort = await sim.listen()
      const flow = cameraFlow(camPort)
      red = await startNodeRed(flow)
      const { api, alive } = red

      // An event whose picture and state questions leave idle kept-alive sockets in the camera's pool.
      const sideCalls = async (): Promise<void> => {
        const before = sim.requests.length
        sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
        await until(
          () =>
            sim.requests
              .slice(before)
              .some((r: SimulatorRequest) => r.url.startsWith('/cgi-bin/snapshot.cgi') && r.status === 200),
          'the snapshot',
          10_000,
        )
        await until(() => sim.cgiInFlight === 0, 'the side calls answered', 10_000)
      }
      await until(() => sim.attaches === 1, 'the first attach', 30_000)
      await sideCalls()
      alive('the first attach')

      for (let n = 0; n < 3; n++) {
        const res = await fetch(`${api}/dahua-camera/probe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: 'cam',
            host: '127.0.0.1',
            port: camPort,
            protocol: 'http',
            username: 'admin',
            password: '__PWRD__',
          }),
        })
        const probe = (await res.json()) as { ok: boolean; deviceType?: string }
        assert.deepEqual([probe.ok, probe.deviceType], [true, sim.profile.model])
        alive(`Test connection ${n + 1}`)
      }

      for (let n = 0; n < 3; n++) {
        const attaches = sim.attaches
        const res = await fetch(`${api}/flows`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify(
            flow.map((node) =>
              node.id === 'cam' ? { ...node, credentials: { username: 'admin', password: PASSWORD } } : node,
            ),
          ),
        })
        assert.equal(res.status, 204, `redeploy ${n + 1}`)
        await until(
          () => sim.attaches > attaches && sim.openStreams === 1,
          `the attach after redeploy ${n + 1}`,
          30_000,
        )
        alive(`redeploy ${n + 1}`)
        await sideCalls()
      }

      assert.equal(await red.stop(), 0, `exit code; output:\n${red.output().slice(-3000)}`)
      assert.doesNotMatch(red.output(), /TypeError|Unhandled|uncaught/i)
      await until(() => sim.openSockets === 0, 'every socket to the camera closed', 5_000)
    })
  }
})

// Issue 8: every hostile input at once against one Node-RED. It must stay up, stay under 400 MiB, keep its admin
// API answering and keep the camera's escape bytes out of its log.
describe(`a real Node-RED process under a hostile camera (${runtimeName})`, function () {
  this.timeout(120_000)
  let sim: CameraSimulator
  let red: NodeRedProcess | undefined

  afterEach(async () => {
    red?.cleanup()
    await sim?.close()
  })

  it('stays alive and bounded, answers its admin API, and logs no control characters', async () => {
    sim = simulator({
      password: PASSWORD,
      heartbeatMs: 200,
      answerBytes: { snapshot: 1024 * 1024 * 1024, indexes: 100 * 1024 * 1024 },
    })
    const port = await sim.listen()
    red = await startNodeRed(cameraFlow(port))
    const { api, alive } = red
    await until(() => sim.attaches === 1, 'the first attach', 30_000)
    let peak = red.rssMiB()
    const sample = setInterval(() => (peak = Math.max(peak, red!.rssMiB())), 100)
    const admin = async (step: string): Promise<void> => {
      const res = await fetch(`${api}/dahua-camera/cam/seen`, { signal: AbortSignal.timeout(5_000) })
      assert.equal(res.status, 200, `the admin API after ${step}`)
      assert.ok(((await res.json()) as unknown[]).length <= MAX_CODES)
      alive(step)
    }
    const spread = async (parts: number, write: (n: number) => void): Promise<void> => {
      for (let n = 0; n < parts; n++) {
        write(n)
        if (n % 200 === 0) {
          await pass(5)
        }
      }
    }
    try {
      await spread(400, () => sim.sendRaw(endlessMarkerLine(64 * 1024))) // 25 MiB of one line
      await admin('a marker line that never ends')
      await spread(200, () => sim.sendRaw(deepEvent(5_000)))
      await admin('data nested 5000 deep')
      await spread(20_000, (n) => sim.sendRaw(newCodeStart(n)))
      await admin('20 000 new codes')
      await spread(20_000, (n) => sim.sendRaw(newChannelStart(n % 2 ? n : '9'.repeat(400))))
      await admin('20 000 new channels')
      await spread(20_000, (n) => sim.sendRaw(newDoorContact(n)))
      await admin('20 000 door contacts on ever new doors')
      await spread(20_000, (n) => sim.sendRaw(newRuleDetection(n)))
      await admin('20 000 detections of ever new rules')
      const rules = (await (await fetch(`${api}/dahua-camera/cam/seen-detections`)).json()) as {
        rules: unknown[]
      }
      assert.ok(rules.rules.length <= MAX_CODES, `${rules.rules.length} rules offered`)
      await spread(100, () => sim.sendRaw(wideObjectEvent(60_000)))
      await admin('100 detections whose object has 60 000 keys')
      // A Start asks for a 1 GiB picture and, for a code not yet learnt, a 100 MB getEventIndexes answer.
      sim.send({ code: 'VideoMotion', action: 'Start', index: 0 })
      await until(() => sim.abandonedAnswers >= 2, 'both answers cut off at their limits', 20_000)
      await admin('a 1 GiB snapshot and a 100 MB state answer')
      sim.sendRaw(formatPart('Code=;action=\u001b[2J\u001b[31mred;index=0'))
      await until(() => /not a valid event/.test(red!.output()), 'the warning about the invalid part', 5_000)
    } finally {
      clearInterval(sample)
    }
    assert.ok(peak < 400, `peak RSS ${peak.toFixed(0)} MiB`)
    assert.ok(!red.output().includes('\u001b'), 'no escape byte reached the log')
    assert.equal(await red.stop(), 0, `exit code; output:\n${red.output().slice(-3000)}`)
    assert.doesNotMatch(red.output(), /TypeError|RangeError|Unhandled|uncaught/i)
  })
})
