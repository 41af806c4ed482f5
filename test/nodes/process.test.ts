// Node-RED as users run it: its own CLI in a child process, not the test helper. Whatever the package does with
// kept-alive sockets (Test connection, redeploys, stop), that process must live on and end cleanly.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { CameraSimulator, SimulatorRequest } from '../../src/sim/camera-simulator'
import { PASSWORD, runtime, runtimeName } from '../helpers/flows'
import { simulator } from '../helpers/sim'
import { until } from '../helpers/wait'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

// npm test runs this with the simulator keeping its connections alive, then closing them (runtimeName says which).
describe(`a real Node-RED process (${runtimeName})`, function () {
  this.timeout(90_000)
  let sim: CameraSimulator
  let child: ChildProcess | undefined
  let userDir: string
  let output = ''

  afterEach(async () => {
    child?.kill('SIGKILL')
    await sim?.close()
    rmSync(userDir, { recursive: true, force: true })
  })

  for (const profile of ['nvr16', 'vto']) {
    it(`lives through Test connection, redeploys and stop of a ${profile} with its sockets open, and exits cleanly`, async () => {
      sim = simulator({ profile, password: PASSWORD, heartbeatMs: 200 })
      const camPort = await sim.listen()
      const uiPort = await freePort()
      userDir = mkdtempSync(join(tmpdir(), 'dahua-process-'))
      mkdirSync(join(userDir, 'node_modules', '@redcam'), { recursive: true })
      symlinkSync(
        join(__dirname, '..', '..', '..'),
        join(userDir, 'node_modules', '@redcam', 'node-red-dahua'),
        'dir',
      )
      const camera = {
        id: 'cam',
        type: 'dahua-camera',
        host: '127.0.0.1',
        port: camPort,
        protocol: 'http',
        verifyTls: true,
        heartbeat: 1,
      }
      const flow = [
        { id: 'tab', type: 'tab', label: 'process' },
        camera,
        {
          id: 'ev',
          type: 'dahua-event-in',
          z: 'tab',
          camera: 'cam',
          codes: '',
          channels: '',
          actions: '',
          snapshot: true,
          snapshotTimeout: 2,
          wires: [[], []],
        },
      ]
      writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow))
      writeFileSync(
        join(userDir, 'flows_cred.json'),
        JSON.stringify({ cam: { username: 'admin', password: PASSWORD } }),
      )
      writeFileSync(
        join(userDir, 'settings.js'),
        `module.exports = { uiHost: '127.0.0.1', uiPort: ${uiPort}, flowFile: 'flows.json', credentialSecret: false,
        telemetry: { enabled: false }, editorTheme: { tours: false }, logging: { console: { level: 'info' } } }\n`,
      )
      child = spawn(process.execPath, [join(dirname(runtime), '..', 'red.js'), '--userDir', userDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
      const alive = (step: string): void =>
        assert.equal(child!.exitCode, null, `Node-RED ended after ${step}:\n${output.slice(-3000)}`)
      const api = `http://127.0.0.1:${uiPort}`

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

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
      child.kill('SIGINT')
      assert.equal(await exited, 0, `exit code; output:\n${output.slice(-3000)}`)
      assert.doesNotMatch(output, /TypeError|Unhandled|uncaught/i)
      await until(() => sim.openSockets === 0, 'every socket to the camera closed', 5_000)
    })
  }
})
