import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PROFILES, type DeviceProfile } from '../../src/sim/profiles'
import { simulator } from '../helpers/sim'
import {
  cameraFlowNode,
  control,
  controlFlowNode,
  credentials,
  flowHooks,
  helper,
  nodes,
  runtimeName,
} from '../helpers/flows'
import { pass, until } from '../helpers/wait'

// The siren repeats faster than the test profile's siren stops by itself.
const FAST = { retryBaseMs: 50, retryCapMs: 300, sirenRepeatMs: 150 }

describe(`dahua-control against device profiles, in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  flowHooks(() => sim, FAST)

  async function start(
    profile: string | DeviceProfile,
    options: {
      forbidden?: Record<string, 403>
      password?: string
      answerBytes?: { config?: number }
      slowAnswers?: Record<string, 'late'>
    } = {},
  ): Promise<CameraSimulator> {
    sim = simulator({ profile, ...options })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port }), ...controlFlowNode('ctl')], credentials('admin'))
    return sim
  }
  const send = (msg: Record<string, unknown>): Promise<Record<string, unknown>> => control('ctl', msg)
  const config = (key: string): string | undefined => sim?.device.config.get(key)
  async function refused(
    msg: Record<string, unknown>,
    key = 'dahua-control.errors.unsupported',
  ): Promise<void> {
    await assert.rejects(send(msg), (err: Error) => err.message === key)
  }

  it('siren and warning light on an active-deterrence camera: the device turns them on and off', async () => {
    const device = (await start('deterrence')).device
    const out = await send({ action: 'siren', payload: true })
    assert.deepEqual(out.payload, { action: 'siren', channel: 1, state: true, verified: true })
    assert.equal(device.sirens.get(0), true)
    await send({ action: 'siren', payload: 'off' })
    assert.equal(device.sirens.get(0), false)
    await send({ action: 'warning-light', payload: 1 })
    assert.equal(device.warningLights.get(0), true)
  })

  it("a recorder sounds camera 3's siren, not its neighbour's", async () => {
    const s = await start('nvr16')
    await send({ action: 'siren', channel: 3, payload: true })
    assert.deepEqual(
      [...s.device.sirens].filter(([, on]) => on),
      [[2, true]],
    )
  })

  it('a model without a siren says so; the second message, a moment later, does not reach the device', async () => {
    const s = await start('ipc')
    await refused({ action: 'siren', payload: true })
    const asked = s.requests.length
    await refused({ action: 'siren', payload: true })
    assert.equal(s.requests.length, asked, 'nothing was sent the second time')
  })

  it('a siren with a duration keeps sounding past its own stop, then is turned off', async () => {
    // Wide margins, for this races wall-clock time: the device would stop after 1 s, the package starts it again
    // every 150 ms (FAST), and it is sampled at 1.5 s of a 3 s duration. A repeat late by 850 ms, or an event
    // loop stalled for 1.5 s, is needed to fail it.
    const profile = {
      ...PROFILES.deterrence!,
      controls: { ...PROFILES.deterrence!.controls, sirenStopsAfterMs: 1_000 },
    }
    const s = await start(profile)
    await send({ action: 'siren', payload: true, duration: 3 })
    await pass(1_500)
    assert.equal(s.device.sirens.get(0), true, 'still sounding after its own 1 s stop')
    await until(
      // Authenticated: the simulator records a request it challenges with 401 too, before the device sees it.
      () => s.requests.some((r) => r.auth === 'ok' && r.url.includes('info[0].Type=2&info[0].IO=2')),
      'the siren turned off',
    )
    assert.equal(s.device.sirens.get(0), false)
    const writes = s.device.writes
    await pass(500)
    assert.equal(s.device.writes, writes, 'no repeat after the duration ended')
  })

  it('a siren turned off during its duration stays off: no repeat comes after the off', async () => {
    const s = await start('deterrence')
    await send({ action: 'siren', payload: true, duration: 30 })
    const first = s.device.writes
    await until(() => s.device.writes >= first + 3, 'three repeats')
    await send({ action: 'siren', payload: false })
    const writes = s.device.writes
    await pass(500) // three repeat periods
    assert.equal(s.device.sirens.get(0), false)
    assert.equal(s.device.writes, writes, 'nothing after the off')
  })

  it('two timed sirens in a row, then an off: the siren stays off, with no repeat left behind', async () => {
    const s = await start('deterrence')
    const first = send({ action: 'siren', payload: true, duration: 30 })
    await pass(50)
    await Promise.all([first, send({ action: 'siren', payload: true, duration: 30 })])
    await send({ action: 'siren', payload: false })
    const writes = s.device.writes
    await pass(600) // four repeat periods
    assert.equal(s.device.sirens.get(0), false)
    assert.equal(s.device.writes, writes, 'nothing after the off')
  })

  it('a second timed light while the first is on goes back to what was there before the first', async () => {
    await start('deterrence')
    await send({ action: 'light', payload: true, duration: 5 })
    await send({ action: 'light', payload: true, duration: 0.3 })
    await until(() => config('Lighting_V2[0][2][0].Mode') === 'Auto', 'back on Auto, not on Manual')
  })

  it('white light: row and profile of the model; a timed light goes back to Auto', async () => {
    await start('deterrence') // profile in use 2, white light in row 0
    await send({ action: 'light', payload: true, duration: 0.3 })
    assert.equal(config('Lighting_V2[0][2][0].Mode'), 'Manual')
    assert.equal(config('Lighting_V2[0][0][0].Mode'), 'Auto', 'the day profile is not touched')
    await until(() => config('Lighting_V2[0][2][0].Mode') === 'Auto', 'the light back on Auto')
    const mode = await send({ action: 'light-mode', payload: 'off' })
    assert.deepEqual(mode.payload, { action: 'light-mode', channel: 1, state: 'off', verified: true })
    assert.equal(config('Lighting_V2[0][2][0].Mode'), 'Off')
  })

  it('a dual-light camera: the white light is row 1 of the night profile, with LightingScheme=WhiteMode', async () => {
    await start('ipc-tabs')
    await send({ action: 'light', payload: true })
    assert.equal(config('Lighting_V2[0][1][1].Mode'), 'Manual')
    assert.equal(config('Lighting_V2[0][1][0].Mode'), 'Auto', 'the infrared row is not touched')
    assert.equal(config('LightingScheme[0][1].LightingMode'), 'WhiteMode')
    await send({ action: 'light', payload: false })
    assert.equal(config('Lighting_V2[0][1][1].Mode'), 'Off')
    assert.equal(config('LightingScheme[0][1].LightingMode'), 'AIMode', 'the scheme it had before')
    await send({ action: 'infrared', payload: 'on' })
    assert.equal(config('Lighting_V2[0][1][0].Mode'), 'Manual')
  })

  it('infrared on the legacy Lighting table; refused by a camera without infrared', async () => {
    await start('ipc')
    await send({ action: 'infrared', payload: 'off' })
    assert.equal(config('Lighting[0][2].Mode'), 'Off')
    await helper.unload()
    await sim?.close()
    await start('deterrence')
    await refused({ action: 'infrared', payload: 'on' })
    await refused({ action: 'privacy', payload: true })
  })

  it('privacy mode, motion and smart detection, record mode, an IVS rule by name', async () => {
    await start('pt-amcrest')
    await send({ action: 'privacy', payload: true })
    assert.equal(config('LeLensMask[0].Enable'), 'true')
    await send({ action: 'motion-detection', payload: false })
    assert.equal(config('MotionDetect[0].Enable'), 'false')
    await refused({ action: 'smart-detection', payload: true })
    await helper.unload()
    await sim?.close()
    await start('ipc')
    await send({ action: 'smart-detection', payload: false })
    assert.equal(config('SmartMotionDetect[0].Enable'), 'false')
    await send({ action: 'record-mode', payload: 'manual' })
    assert.equal(config('RecordMode[0].Mode'), '1')
    const rule = await send({ action: 'ivs-rule', payload: { name: 'Driveway', enabled: false } })
    assert.deepEqual(rule.payload, {
      action: 'ivs-rule',
      channel: 1,
      state: false,
      verified: true,
      rule: 'Driveway',
    })
    assert.equal(config('VideoAnalyseRule[0][1].Enable'), 'false')
    assert.equal(config('VideoAnalyseRule[0][0].Enable'), 'true')
    await refused(
      { action: 'ivs-rule', payload: { name: 'Pool', enabled: true } },
      'dahua-control.errors.rule-name',
    )
  })

  it('relays: standard modes, modes reversed on an older camera (learned), output 2 of a recorder', async () => {
    let s = await start('deterrence')
    await send({ action: 'alarm-output', payload: true })
    assert.equal(config('AlarmOut[0].Mode'), '1')
    assert.equal(s.device.relayOn(0), true)
    await helper.unload()
    await sim?.close()
    s = await start('ipc') // Mode 0 is on, 1 off (rr#676)
    const on = await send({ action: 'alarm-output', payload: true })
    assert.deepEqual(on.payload, {
      action: 'alarm-output',
      channel: 1,
      state: true,
      verified: true,
      output: 1,
    })
    assert.equal(s.device.relayOn(0), true)
    await send({ action: 'alarm-output', payload: false })
    assert.equal(s.device.relayOn(0), false)
    await refused({ action: 'alarm-output', payload: 'auto' }, 'dahua-control.errors.relay-auto')
    await helper.unload()
    await sim?.close()
    s = await start('nvr16')
    await send({ action: 'alarm-output', output: 2, payload: 'on' })
    assert.equal(s.device.relayOn(1), true)
    assert.equal(s.device.relayOn(0), false)
    await refused({ action: 'alarm-output', output: 3, payload: true }, 'dahua-control.errors.output-count')
  })

  it('PTZ presets on channel=0 and on a PT model that takes channel=1; a move ends with a stop', async () => {
    let s = await start('ptz')
    await send({ action: 'ptz-preset', payload: 12 })
    assert.equal(s.device.ptz.get(0), 'GotoPreset 12')
    await refused({ action: 'ptz-preset', payload: 301 }, 'dahua-control.errors.preset-max')
    await send({ action: 'ptz-move', payload: { direction: 'left', seconds: 0.2 } })
    assert.equal(s.device.ptz.get(0), 'stopped')
    assert.ok(s.requests.some((r) => r.url.includes('action=start&code=Left&arg1=0&arg2=4')))
    await helper.unload()
    await sim?.close()
    s = await start('pt-amcrest')
    await send({ action: 'ptz-preset', payload: 3 })
    assert.equal(s.device.ptz.get(0), 'GotoPreset 3')
    assert.ok(s.requests.some((r) => r.url.includes('ptz.cgi?channel=1&action=start&code=GotoPreset')))
  })

  it('a PTZ move under way when the flows stop is told to stop before the session closes', async () => {
    const s = await start('ptz')
    void control('ctl', { action: 'ptz-move', payload: { direction: 'left', seconds: 30 } }, 1_000).catch(
      () => undefined,
    )
    await until(() => s.device.ptz.get(0) === 'Left', 'moving left')
    await helper.unload()
    assert.equal(s.device.ptz.get(0), 'stopped', 'the camera was left moving')
  })

  it('a PTZ move whose start is still being answered when the flows stop is told to stop too', async () => {
    // The camera has started when its answer is cut off by the close: it must still be told to stop (once seen
    // in CI as a flake of the test above, when the close came between the camera's start and its answer).
    const s = await start('ptz', { slowAnswers: { 'ptz.cgi': 'late' } })
    // Its answer never comes (the node is gone): only the camera is asked.
    void control('ctl', { action: 'ptz-move', payload: { direction: 'left', seconds: 30 } }, 1_000).catch(
      () => undefined,
    )
    await until(() => s.device.ptz.get(0) === 'Left', 'moving left')
    await helper.unload()
    assert.equal(s.device.ptz.get(0), 'stopped', 'the camera was left moving')
  })

  it('a newer PTZ message stops a long move under way', async () => {
    const s = await start('ptz')
    const move = send({ action: 'ptz-move', payload: { direction: 'up', seconds: 30 } })
    await until(() => s.device.ptz.get(0) === 'Up', 'moving up')
    await send({ action: 'ptz-preset', payload: 2 })
    await move
    assert.equal(s.device.ptz.get(0), 'GotoPreset 2')
  })

  it('snapshot of a door station: a clean JPEG and its content type', async () => {
    await start('vto')
    const out = await send({ action: 'snapshot' })
    const jpeg = out.payload as Buffer
    assert.ok(Buffer.isBuffer(jpeg))
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'ends at the JPEG end marker: no dhav trailer')
    assert.equal(out.contentType, 'image/jpeg')
  })

  it('channels and capabilities of a recorder and of a camera', async () => {
    await start('nvr16')
    const channels = (await send({ action: 'channels' })).payload as Array<{ channel: number; name: string }>
    assert.equal(channels.length, 16)
    assert.deepEqual(channels[3], { channel: 4, name: 'Garage' })
    const caps = (await send({ action: 'capabilities' })).payload as Array<{
      channel: number
      actions: string[]
      maybe: string[]
    }>
    assert.equal(caps.length, 16)
    // A recorder answers a coaxial status for every channel: a siren is offered, not claimed.
    assert.ok(!caps[0]!.actions.includes('siren'))
    assert.ok(caps[0]!.maybe.includes('siren'))
    assert.ok(!caps[0]!.actions.includes('ptz-preset'))
    await helper.unload()
    await sim?.close()
    await start('ptz')
    assert.deepEqual((await send({ action: 'channels' })).payload, [{ channel: 1, name: null }])
    const ptz = (await send({ action: 'capabilities' })).payload as Array<{ actions: string[] }>
    assert.ok(ptz[0]!.actions.includes('ptz-move'))
    assert.ok(!ptz[0]!.actions.includes('siren'))
  })

  it('reboot, and a user without rights to change settings gets told the device refused it', async () => {
    const s = await start('ipc')
    await send({ action: 'reboot' })
    assert.equal(s.device.reboots, 1)
    await helper.unload()
    await sim?.close()
    await start('ipc', { forbidden: { 'configManager.cgi': 403 } })
    await refused({ action: 'motion-detection', payload: false }, 'dahua-control.errors.refused')
    assert.equal(config('MotionDetect[0].Enable'), 'true')
  })

  it('a message it cannot read fails with what to send instead, and nothing reaches the camera', async () => {
    const s = await start('deterrence')
    const before = s.requests.length
    await refused({ action: 'siren', payload: 'loud' }, 'dahua-control.errors.switch')
    await refused({ action: 'dance' }, 'dahua-control.errors.action')
    await refused({ action: 'light', channel: 0, payload: true }, 'dahua-control.errors.channel')
    await refused({ action: 'siren', payload: true, duration: -1 }, 'dahua-control.errors.duration')
    await refused({ action: 'ptz-move', payload: { direction: 'sideways' } }, 'dahua-control.errors.move')
    assert.equal(s.requests.length, before)
  })

  it('a flood for one setting is coalesced: few writes, and the device ends at the last value', async () => {
    const s = await start('ipc')
    const values = Array.from({ length: 200 }, (_, i) => i % 3 !== 0)
    const answers = await Promise.all(values.map((payload) => send({ action: 'motion-detection', payload })))
    assert.equal(answers.length, 200, 'every message got its answer')
    assert.equal(config('MotionDetect[0].Enable'), String(values.at(-1)))
    assert.ok(s.device.writes < 10, `${s.device.writes} writes for 200 messages`)
  })

  it('property: random control sequences leave the device in the state of the last message per setting', async () => {
    const s = await start('ipc')
    const message = fc.oneof(
      fc.record({ action: fc.constant('motion-detection'), payload: fc.boolean() }),
      fc.record({ action: fc.constant('smart-detection'), payload: fc.boolean() }),
      fc.record({ action: fc.constant('record-mode'), payload: fc.constantFrom('auto', 'manual', 'off') }),
      fc.record({ action: fc.constant('infrared'), payload: fc.constantFrom('auto', 'on', 'off') }),
      fc.record({
        action: fc.constant('ivs-rule'),
        payload: fc.record({ name: fc.constantFrom('Gate', 'Driveway'), enabled: fc.boolean() }),
      }),
    )
    const field = (msg: { action: string; payload: unknown }): [string, string] => {
      switch (msg.action) {
        case 'motion-detection':
          return ['MotionDetect[0].Enable', String(msg.payload)]
        case 'smart-detection':
          return ['SmartMotionDetect[0].Enable', String(msg.payload)]
        case 'record-mode':
          return ['RecordMode[0].Mode', { auto: '0', manual: '1', off: '2' }[msg.payload as 'auto']]
        case 'infrared':
          return ['Lighting[0][2].Mode', { auto: 'Auto', on: 'Manual', off: 'Off' }[msg.payload as 'auto']]
        default: {
          const rule = msg.payload as { name: string; enabled: boolean }
          return [`VideoAnalyseRule[0][${rule.name === 'Gate' ? 0 : 1}].Enable`, String(rule.enabled)]
        }
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 40 }), async (messages) => {
        await Promise.all(messages.map((msg) => send(msg)))
        const last = new Map(messages.map((msg) => field(msg)))
        for (const [key, value] of last) {
          assert.equal(s.device.config.get(key), value, key)
        }
      }),
      { numRuns: 25 },
    )
  })

  it("shares the camera's two CGI slots: a burst over 32 settings of a recorder never has more than 2 calls at once", async () => {
    const s = await start('nvr16')
    const messages = Array.from({ length: 16 }, (_, i) => [
      { action: 'motion-detection', channel: i + 1, payload: false },
      { action: 'record-mode', channel: i + 1, payload: 'manual' },
    ]).flat()
    await Promise.all(messages.map((msg) => send(msg)))
    assert.equal(config('MotionDetect[15].Enable'), 'false')
    assert.equal(config('RecordMode[15].Mode'), '1')
    assert.ok(s.maxCgiInFlight <= 2, `${s.maxCgiInFlight} calls at once`)
  })

  it('a wrong password: control messages spend the one login budget, then wait without logging in', async () => {
    const s = await start('deterrence', { password: 'other' })
    for (let i = 0; i < 3; i++) {
      await refused({ action: 'siren', payload: true }, 'dahua-control.errors.login')
    }
    for (let i = 0; i < 5; i++) {
      await refused({ action: 'siren', payload: true }, 'dahua-control.errors.paused')
    }
    assert.equal(s.refusedLogins, 3, 'the camera saw three refused logins, not eight')
    assert.equal(s.device.sirens.get(0), false)
  })

  it('the editor asks a deployed camera what it supports, per channel', async () => {
    await start('deterrence')
    const editor = { 'Node-RED-API-Version': 'v2' }
    const caps = (await helper.request().get('/dahua-camera/cam/capabilities').set(editor).expect(200))
      .body as Array<{
      channel: number
      actions: string[]
    }>
    assert.equal(caps.length, 1)
    for (const action of ['snapshot', 'siren', 'warning-light', 'light', 'alarm-output', 'ivs-rule']) {
      assert.ok(caps[0]!.actions.includes(action), action)
    }
    assert.ok(!caps[0]!.actions.includes('ptz-preset'))
    assert.ok(!caps[0]!.actions.includes('privacy'))
    await helper.request().get('/dahua-camera/nope/capabilities').set(editor).expect(404)
  })

  it('a redeploy ends a timed siren at once instead of leaving it to sound', async () => {
    const s = await start('deterrence')
    await send({ action: 'siren', payload: true, duration: 600 })
    assert.equal(s.device.sirens.get(0), true)
    await helper.unload()
    assert.equal(s.device.sirens.get(0), false)
  })

  // Every action against a profile whose model does not have it: the message fails with "does not support",
  // nothing on the device changes, and the capabilities say so.
  const refusals: Array<[string, string, unknown, string?]> = [
    ['light', 'ipc', true],
    ['light-mode', 'ad410', 'auto'],
    ['warning-light', 'ptz', true],
    ['alarm-output', 'ptz', true],
    ['ptz-preset', 'ipc', 1, 'no-ptz'],
    ['ptz-move', 'deterrence', { direction: 'up' }, 'no-ptz'],
    ['day-night', 'ptz', 'color'],
    ['disarm', 'deterrence', true],
    ['motion-detection', 'vto', true],
    ['ivs-rule', 'ptz', { name: 'Gate', enabled: true }],
    ['record-mode', 'pt-amcrest', 'off'],
  ]
  for (const [action, profile, payload, key = 'unsupported'] of refusals) {
    it(`${action} is refused by ${profile}, which does not have it, and nothing changes`, async () => {
      const s = await start(profile)
      const before = JSON.stringify([...s.device.config])
      await refused({ action, payload }, `dahua-control.errors.${key}`)
      assert.equal(s.device.writes, 0)
      assert.equal(JSON.stringify([...s.device.config]), before)
      const caps = (await send({ action: 'capabilities' })).payload as Array<{ actions: string[] }>
      assert.ok(!caps[0]!.actions.includes(action), `capabilities leave out ${action}`)
    })
  }

  it("a snapshot of a channel the camera does not have fails with the camera's answer", async () => {
    await start('ipc')
    await refused({ action: 'snapshot', channel: 2 }, 'dahua-control.errors.failed-other')
  })

  it('a camera that switches between day and night profiles gets the light in both', async () => {
    const s = await start('deterrence')
    // By time or brightness, not a fixed profile: such a camera names profile 0 (fixture ipc-videoinmode-configex.txt).
    s.device.config.set('VideoInMode[0].Mode', '1')
    s.device.config.set('VideoInMode[0].Config[0]', '0')
    await send({ action: 'light', payload: true })
    assert.equal(config('Lighting_V2[0][0][0].Mode'), 'Manual')
    assert.equal(config('Lighting_V2[0][1][0].Mode'), 'Manual')
    assert.equal(config('Lighting_V2[0][2][0].Mode'), 'Auto', 'the normal profile is not in use')
  })

  it('a 1 GiB configuration table is cut off at its limit, and the message says so', async () => {
    const s = await start('ipc', { answerBytes: { config: 1024 ** 3 } })
    await refused({ action: 'motion-detection', payload: false }, 'dahua-control.errors.too-large')
    await until(() => s.abandonedAnswers === 1, 'the answer abandoned')
    assert.ok(s.answerBytesWritten < 256 * 1024 + 16 * 1024 ** 2, `${s.answerBytesWritten} bytes written`)
    assert.equal(s.device.writes, 0)
  })
})
