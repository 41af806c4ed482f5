// The device report (issue 20 §4) against the simulator: what a user pastes into a bug report says what the
// device is, what it told us and what the package does with it, and carries no secret of the logins it took.
import assert from 'node:assert/strict'
import type { DahuaCameraNode } from '../../src/dahua-camera'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import {
  PASSWORD,
  cameraFlowNode,
  collect,
  control,
  controlFlowNode,
  credentials,
  eventInFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
} from '../helpers/flows'
import { until } from '../helpers/wait'

const editor = { 'Node-RED-API-Version': 'v2' }

describe(`the device report, in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  flowHooks(() => sim)

  /** A deployed camera with an event node (so its stream runs) and a control node set to `report`. */
  async function start(
    profile: string,
    serialNumber: string,
    options: ConstructorParameters<typeof CameraSimulator>[0] = {},
  ): Promise<CameraSimulator> {
    const s = simulator({ password: PASSWORD, profile, serialNumber, ...options })
    sim = s
    const port = await s.listen()
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...eventInFlowNode('in'), ...controlFlowNode('ctl', 'report')],
      credentials(),
    )
    await until(() => s.attaches > 0, 'the stream attached', 10_000)
    return s
  }

  /** The endpoint's whole answer, headers and body, as text, and the report in it. */
  async function asked(): Promise<{ whole: string; report: string }> {
    const res = await helper.request().get('/dahua-camera/cam/report').set(editor).timeout(20_000).expect(200)
    const body = res.body as { report: string }
    return { whole: `${JSON.stringify(res.headers)}\n${res.text}`, report: body.report }
  }

  /** Every form in which a secret of the simulator's logins could show, none of which may be in `text`. */
  function assertNoSecret(s: CameraSimulator, text: string, what: string): void {
    const secrets = [
      PASSWORD,
      encodeURIComponent(PASSWORD),
      Buffer.from(`admin:${PASSWORD}`).toString('base64'),
      ...s.secrets(),
    ]
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${what} shows a secret of the login: ${secret}`)
    }
  }

  it('of a recorder: model, firmware, masked serial, its sessions list and the last events', async () => {
    const s = await start('nvr16', '7G0B8F9PAZ12345')
    const events = collect('in-out')
    s.send({ code: 'VideoMotion', action: 'Start', index: 3 })
    s.send({ code: 'CrossLineDetection', action: 'Pulse', index: 0 })
    await until(() => events.length >= 2, 'two events through', 5_000)

    const { report } = await asked()
    assert.match(report, /^Model: DHI-NVR5216-16P-EI$/m)
    assert.match(report, /^Device type: 31$/m)
    assert.match(report, /^Firmware: 4\.001\.0000000\.3\.R,build:2025-09-01$/m)
    assert.match(report, /^Serial: 7G0B\*{9}45$/m)
    assert.ok(!report.includes('7G0B8F9PAZ12345'), 'the whole serial is not shown')
    // No captured answer of getActiveUserInfoAll exists to copy, so the simulator has no such script: the
    // report says what the device answered.
    assert.match(
      report,
      /^The device's active sessions \(userManager\.cgi getActiveUserInfoAll\):\n {2}could not be read: HTTP 404$/m,
    )
    assert.ok(
      s.requests.some((r) => r.url === '/cgi-bin/userManager.cgi?action=getActiveUserInfoAll'),
      'the device was asked',
    )
    assert.match(
      report,
      /^ {2}\S+Z VideoMotion Start channel 4\n {2}\S+Z CrossLineDetection Pulse channel 1$/m,
    )
    assert.match(report, /^ {2}event stream: connected since \S+Z$/m)
    assert.match(report, /^ {2}RPC2 session: no$/m)
    assert.match(report, /^ {2}logins: 0 refused, \d+ left before they pause; not paused$/m)
    assert.match(report, /^ {2}pictures: not paused$/m)
    // What was learned is said once it was learned, and the report itself asks for none of it.
    assert.match(report, /^ {2}not learned yet/m)
    await control('ctl', { action: 'capabilities' }, 20_000)
    const again = (await asked()).report
    assert.match(again, /^ {2}channel 4: snapshot, /m)
    assert.match(
      again,
      /^ {2}channel 4: .*(?:\n {13}\S.*)*\n {4}offered on every channel: siren, warning-light\n {4}siren and warning light over CGI$/m,
    )
  })

  it('of a user who may not list the sessions: says so, and puts no later refusal towards the lockout', async () => {
    // A user without user-management rights (401), who may not take pictures either (rroller#251 answered 401).
    const s = await start('ipc', '7G0B8F9PAZ12345', {
      forbidden: { 'userManager.cgi': 401, 'snapshot.cgi': 401 },
    })
    const sessions = /^The device's active sessions \(userManager\.cgi getActiveUserInfoAll\):\n {2}(.*)$/m
    assert.equal(sessions.exec((await asked()).report)?.[1], 'could not be read: HTTP 401')
    // Next, the picture of the dialog's preview: a call that asks nothing else of the device first.
    const picture = await helper.request().get('/dahua-camera/cam/snapshot?channel=1').set(editor)
    assert.equal((picture.body as { detail?: string }).detail, 'HTTP 401')
    // Read before any success clears it: the report's own reads would.
    const camera = helper.getNode('cam') as unknown as DahuaCameraNode
    assert.equal(camera.device!.http.budget.refused, 0, "the picture's 401 is the user's rights, not a login")
    const after = (await asked()).report
    assert.equal(
      sessions.exec(after)?.[1],
      'could not be read: HTTP 401',
      'still the rights, not "not asked"',
    )
    assert.equal(
      s.requests.filter((r) => r.url.startsWith('/cgi-bin/userManager.cgi') && r.auth === 'ok').length,
      1,
      'its answer is remembered, not asked again',
    )
  })

  it('of a door station, through the control node too, and no secret of any login in it or the answer', async () => {
    const s = await start('vto', 'VTO2311R0001')
    const events = collect('in-out')
    s.send({ code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } })
    await until(() => events.length >= 1, 'an event through', 5_000)
    // A call hung up over RPC2: the device's JSON-RPC login is held while the report is made.
    const camera = helper.getNode('cam') as unknown as DahuaCameraNode
    await camera.device!.door.hangUp().catch(() => undefined)
    // A door opened: the report says by which transport.
    await camera.device!.door.open(1)

    const { whole, report } = await asked()
    assert.match(report, /^Model: VTO2311R-WP$/m)
    assert.match(report, /^Firmware: 4\.500\.0000000\.5\.R,build:2025-04-30$/m)
    assert.match(report, /^Serial: VTO2\*{6}01$/m)
    assert.match(report, /could not be read: HTTP 404/)
    assert.match(report, /^ {2}\S+Z BackKeyLight Pulse channel 1$/m)
    assert.match(report, /^ {2}RPC2 session: yes$/m)
    assert.match(report, /^ {2}doors opened over CGI \(accessControl\.cgi\)$/m)

    const out = await control('ctl', {})
    const text = out.payload as string
    assert.equal(typeof text, 'string')
    assert.match(text, /^Model: VTO2311R-WP$/m)

    // The search must have something to find: the digest logins and the RPC2 login left their secrets.
    assert.ok(s.secrets().length >= 3, `secrets to look for: ${s.secrets().length}`)
    assert.ok(s.rpc2.secrets.size >= 2, 'an RPC2 session and login hash to look for')
    assertNoSecret(s, whole, 'the endpoint')
    assertNoSecret(s, text, 'the control node')
    for (const line of text.split('\n')) assert.ok(line.length <= 160, `a line too long: ${line}`)
  })

  it('is refused to another site and to anything but the editor, before the device is asked', async () => {
    const s = await start('ipc', 'ABC123456789')
    const url = '/dahua-camera/cam/report'
    await helper.request().get(url).expect(403)
    await helper.request().get(url).set(editor).set('Sec-Fetch-Site', 'cross-site').expect(403)
    await helper.request().get(url).set(editor).set('Origin', 'http://evil.example').expect(403)
    await helper.request().get('/dahua-camera/nope/report').set(editor).expect(404)
    assert.ok(!s.requests.some((r) => r.url.includes('userManager.cgi')), 'the device was not asked')
  })
})
