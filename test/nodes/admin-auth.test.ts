// Who may use the camera's admin endpoints, in a Node-RED process with adminAuth as a user sets it up (the test
// helper's runtime lets every request through): a viewer may read what a camera sent, but not make it answer
// hundreds of questions (security-2026-12.md 8), search the network or read the device report, and Test connection
// leaves its target in the audit log (9).
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
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

describe(`the camera's admin endpoints under adminAuth (${runtimeName})`, function () {
  this.timeout(90_000)
  let sim: CameraSimulator | undefined
  let child: ChildProcess | undefined
  let userDir: string | undefined

  afterEach(async () => {
    child?.kill('SIGKILL')
    if (userDir) rmSync(userDir, { recursive: true, force: true })
    await sim?.close()
  })

  it('lets a viewer read the codes seen, the channels and a picture but not start the capability probe; an admin may, and is audited', async () => {
    sim = simulator({ password: PASSWORD, profile: 'deterrence', discovery: {} })
    const camPort = await sim.listen()
    const uiPort = await freePort()
    userDir = mkdtempSync(join(tmpdir(), 'dahua-auth-'))
    mkdirSync(join(userDir, 'node_modules', '@redcam'), { recursive: true })
    symlinkSync(
      join(__dirname, '..', '..', '..'),
      join(userDir, 'node_modules', '@redcam', 'node-red-dahua'),
      'dir',
    )
    const camera = { id: 'cam', type: 'dahua-camera', host: '127.0.0.1', port: camPort, protocol: 'http' }
    writeFileSync(join(userDir, 'flows.json'), JSON.stringify([{ ...camera, verifyTls: true, heartbeat: 5 }]))
    writeFileSync(
      join(userDir, 'flows_cred.json'),
      JSON.stringify({ cam: { username: 'admin', password: PASSWORD } }),
    )
    // Users from settings.js functions, as Node-RED documents for custom user stores.
    writeFileSync(
      join(userDir, 'settings.js'),
      `const users = { admin: { username: 'admin', permissions: '*' }, viewer: { username: 'viewer', permissions: 'read' } }
module.exports = { uiHost: '127.0.0.1', uiPort: ${uiPort}, flowFile: 'flows.json', credentialSecret: false,
  telemetry: { enabled: false }, editorTheme: { tours: false }, logging: { console: { level: 'info', audit: true } },
  dahuaCamera: { discovery: { targets: ['127.0.0.1:${sim.discoveryPort}'], timeoutMs: 1000 } },
  adminAuth: { type: 'credentials', users: async (u) => users[u] || null,
    authenticate: async (u, p) => (p === 'pw' && users[u]) || null } }\n`,
    )
    let output = ''
    child = spawn(process.execPath, [join(dirname(runtime), '..', 'red.js'), '--userDir', userDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    const api = `http://127.0.0.1:${uiPort}`
    await until(() => /Started flows/.test(output), `Node-RED started:\n${output.slice(-2000)}`, 60_000)

    const token = async (username: string): Promise<string> => {
      const res = await fetch(`${api}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope: '',
          username,
          password: 'pw',
        }),
      })
      assert.equal(res.status, 200, `token for ${username}`)
      return ((await res.json()) as { access_token: string }).access_token
    }
    // As the editor asks: its bearer token and its API version header.
    const ask = (path: string, user: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`${api}/dahua-camera/${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${user}`,
          'node-red-api-version': 'v2',
          'content-type': 'application/json',
        },
        signal: AbortSignal.timeout(20_000),
      })
    const viewer = await token('viewer')
    const admin = await token('admin')

    assert.equal((await fetch(`${api}/dahua-camera/cam/capabilities`)).status, 401, 'anonymous')
    assert.equal((await ask('cam/seen', viewer)).status, 200, 'a viewer reads the codes seen')
    const before = sim.requests.length
    // Node-RED answers 401 to a token without the permission.
    assert.equal((await ask('cam/capabilities', viewer)).status, 401, 'a viewer may not start the probe')
    // The device report names the addresses of the device's clients: not for a viewer either.
    assert.equal((await ask('cam/report', viewer)).status, 401, 'a viewer may not read the device report')
    assert.equal(sim.requests.length, before, 'nothing reached the camera for the viewer')

    // Search the network sends to the LAN: write permission, as Test connection.
    assert.equal(
      (await ask('discover', viewer, { method: 'POST', body: '{}' })).status,
      401,
      'a viewer may not search',
    )
    assert.equal(sim.discoveryAnswers, 0, 'no search was sent for the viewer')
    const search = await ask('discover', admin, { method: 'POST', body: '{}' })
    assert.equal(search.status, 200)
    const found = ((await search.json()) as { devices: Array<{ serial?: string }> }).devices
    assert.deepEqual(
      found.map((device) => device.serial),
      ['SIM0000001'],
    )
    // A recorder's channels and a picture are for anyone who may read the flows (issue 20), not for anonymous.
    assert.equal((await fetch(`${api}/dahua-camera/cam/channels`)).status, 401, 'anonymous channels')
    assert.equal((await fetch(`${api}/dahua-camera/cam/snapshot?channel=1`)).status, 401, 'anonymous picture')
    assert.equal(sim.requests.length, before, 'nothing reached the camera for anonymous')
    assert.equal((await ask('cam/channels', viewer)).status, 200, 'a viewer reads the channels')
    const picture = await ask('cam/snapshot?channel=1', viewer)
    assert.equal(picture.status, 200, 'a viewer sees the picture')
    assert.equal(picture.headers.get('content-type'), 'image/jpeg')

    const caps = await ask('cam/capabilities', admin)
    assert.equal(caps.status, 200)
    assert.ok(((await caps.json()) as unknown[]).length > 0)
    const report = await ask('cam/report', admin)
    assert.equal(report.status, 200)
    assert.match(((await report.json()) as { report: string }).report, /^Model: /m)

    const probe = await ask('probe', admin, {
      method: 'POST',
      body: JSON.stringify({ ...camera, username: 'admin', password: PASSWORD }),
    })
    assert.equal(((await probe.json()) as { ok: boolean }).ok, true)
    await until(
      () => /"event":"dahua-camera\.probe".*"host":"127\.0\.0\.1","port":\d+/.test(output),
      `the audit line of Test connection:\n${output.slice(-2000)}`,
      5_000,
    )
  })
})
