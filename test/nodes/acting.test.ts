// What real device families do when told to act, held against the simulator profiles copied from their answers
// (test/fixtures/devices/SOURCES.md): each test asserts the state the simulated device ends in (which camera's
// siren sounds, which row changed), not the URL sent.

import assert from 'node:assert/strict'
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

// A "not here" is believed 200 ms here (a minute by default), so that a passing 400 can be seen to pass.
const FAST = { retryBaseMs: 50, retryCapMs: 300, sirenRepeatMs: 150, absentForMs: 200 }

describe(`acting on real device families, in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  flowHooks(() => sim, FAST)

  async function start(profile: string | DeviceProfile): Promise<CameraSimulator> {
    sim = simulator({ profile })
    const port = await sim.listen()
    // A camera that knows only Basic login is used as its owner would: with Basic allowed.
    const allowBasic = sim.profile.auth === 'basic'
    await helper.load(
      nodes,
      [cameraFlowNode({ port, allowBasic }), ...controlFlowNode('ctl')],
      credentials('admin'),
    )
    return sim
  }
  const send = (msg: Record<string, unknown>): Promise<Record<string, unknown>> => control('ctl', msg)
  const fails = (msg: Record<string, unknown>, key: string): Promise<void> =>
    assert.rejects(send(msg), (err: Error) => err.message === `dahua-control.errors.${key}`)
  const on = (outputs: Map<number, boolean>): number[] => [...outputs].filter(([, v]) => v).map(([ch]) => ch)

  describe('a recorder with PV cameras (nvr-pv)', () => {
    it("sounds exactly the numbered camera's siren, over CGI, and over RPC2 where its CGI answers 400", async () => {
      const s = await start('nvr-pv')
      const three = await send({ action: 'siren', channel: 3, payload: true })
      assert.deepEqual(three.payload, { action: 'siren', channel: 3, state: true, verified: true })
      assert.deepEqual(on(s.device.sirens), [2], 'camera 3 only')
      // Camera 7: CGI status 400, RPC2 answers (fixture nvr-coaxial-cgi-vs-rpc2-getstatus.txt).
      await send({ action: 'warning-light', channel: 7, payload: true })
      assert.deepEqual(on(s.device.warningLights), [6], 'camera 7 only')
      assert.equal(s.rpc2.rpcLogins, 1, 'one RPC2 login')
      await send({ action: 'siren', channel: 3, payload: false })
      assert.deepEqual(on(s.device.sirens), [])
    })

    it('a camera without the hardware: the recorder accepts the write, the siren is still off, and that is said', async () => {
      const s = await start('nvr-pv')
      await fails({ action: 'siren', channel: 5, payload: true }, 'not-applied')
      assert.deepEqual(on(s.device.sirens), [], 'no siren sounds anywhere')
      const caps = (await send({ action: 'capabilities' })).payload as Array<{
        actions: string[]
        maybe: string[]
      }>
      assert.ok(!caps[4]!.actions.includes('siren'), 'not claimed on camera 5')
      assert.ok(caps[4]!.maybe.includes('siren'), 'offered as the recorder cannot say')
    })

    it('PTZ moves camera 8 (1-based), and a fixed camera is refused before anything is sent', async () => {
      const s = await start('nvr-pv')
      const out = await send({ action: 'ptz-preset', channel: 8, payload: 5 })
      assert.equal(s.device.ptz.get(7), 'GotoPreset 5')
      assert.equal(
        (out.payload as { verified: boolean }).verified,
        false,
        'a recorder cannot read a position back',
      )
      await fails({ action: 'ptz-preset', channel: 3, payload: 5 }, 'no-ptz')
      assert.ok(!s.requests.some((r) => r.url.includes('action=start') && r.url.includes('channel=3&')))
      assert.deepEqual([...s.device.ptz.keys()], [7], 'no other camera moved')
      const caps = (await send({ action: 'capabilities' })).payload as Array<{ actions: string[] }>
      assert.ok(caps[7]!.actions.includes('ptz-preset'))
      assert.ok(!caps[0]!.actions.includes('ptz-preset'), 'caps Preset=false is no PTZ')
    })

    it('infrared: the v1 write refused 403 falls back to v2; the refusal blocks nothing else and is no login', async () => {
      const s = await start('nvr-pv')
      const out = await send({ action: 'infrared', channel: 2, payload: 'on' })
      assert.deepEqual(out.payload, { action: 'infrared', channel: 2, state: 'on', verified: true })
      assert.equal(
        s.device.config.get('Lighting_V2[1][0][0].Mode'),
        'Manual',
        'the InfraredLight row, profile 0',
      )
      assert.equal(s.device.config.get('Lighting[1][0].Mode'), 'Auto', 'v1 refused, unchanged')
      await send({ action: 'motion-detection', channel: 2, payload: false })
      assert.equal(s.device.config.get('MotionDetect[1].Enable'), 'false')
      assert.equal(s.refusedLogins, 0)
    })

    it("an IVS rule of a recorder's camera, by name, in RemoteVideoAnalyseRule over RPC2", async () => {
      const s = await start('nvr-pv')
      const out = await send({
        action: 'ivs-rule',
        channel: 2,
        payload: { name: 'Intrusion', enabled: false },
      })
      assert.deepEqual(out.payload, {
        action: 'ivs-rule',
        channel: 2,
        state: false,
        verified: true,
        rule: 'Intrusion',
      })
      assert.equal(s.device.config.get('RemoteVideoAnalyseRule[1][1].Enable'), 'false')
      assert.equal(s.device.config.get('RemoteVideoAnalyseRule[1][0].Enable'), 'true')
      assert.equal(s.device.config.get('RemoteVideoAnalyseRule[0][1].Enable'), 'true', 'camera 1 untouched')
      await fails({ action: 'ivs-rule', channel: 2, payload: { name: 'Pool', enabled: true } }, 'rule-name')
    })

    it('a channel by its name in quotes, matched without regard to case', async () => {
      const s = await start('nvr-pv')
      const out = await send({ action: 'siren', channel: '"garage"', payload: true })
      assert.deepEqual(out.payload, {
        action: 'siren',
        channel: 4,
        state: true,
        verified: true,
        channelName: 'Garage',
      })
      assert.deepEqual(on(s.device.sirens), [3])
      await fails({ action: 'siren', channel: '"Moon"', payload: true }, 'channel-name')
    })
  })

  it('a passing 400 to a recorder channel is not "unsupported" until redeploy', async () => {
    const s = await start('nvr16')
    s.device.cgiDown.add(2)
    await fails({ action: 'siren', channel: 3, payload: true }, 'unsupported')
    s.device.cgiDown.delete(2)
    await pass(300)
    await send({ action: 'siren', channel: 3, payload: true })
    assert.deepEqual(on(s.device.sirens), [2])
  })

  it('a PV camera whose coaxial CGI answers 501: siren and warning light over RPC2, read back', async () => {
    const s = await start('pv-camera')
    const out = await send({ action: 'siren', payload: true })
    assert.deepEqual(out.payload, { action: 'siren', channel: 1, state: true, verified: true })
    assert.equal(s.device.sirens.get(0), true)
    await send({ action: 'warning-light', payload: 'on' })
    assert.equal(s.device.warningLights.get(0), true)
    await send({ action: 'siren', payload: false })
    assert.equal(s.device.sirens.get(0), false)
    const caps = (await send({ action: 'capabilities' })).payload as Array<{ actions: string[] }>
    assert.ok(caps[0]!.actions.includes('siren') && caps[0]!.actions.includes('warning-light'))
  })

  it('a 2024+ PT camera: a 400 to channel 0 moves on to channel 1, which is kept', async () => {
    const s = await start('pt-2024')
    await send({ action: 'ptz-preset', payload: 2 })
    assert.equal(s.device.ptz.get(0), 'GotoPreset 2')
    await send({ action: 'ptz-preset', payload: 3 })
    assert.equal(s.device.ptz.get(0), 'GotoPreset 3')
    const onZero = s.requests.filter(
      (r) => r.auth === 'ok' && r.url.includes('ptz.cgi?channel=0&action=start'),
    )
    assert.equal(onZero.length, 1, 'channel 0 tried once, then never again')
  })

  it('infrared v1 first on an IL camera, in day and night both, as it names no live profile', async () => {
    const s = await start('ipc-il')
    await send({ action: 'infrared', payload: 'off' })
    assert.equal(s.device.config.get('Lighting[0][0].Mode'), 'Off')
    assert.equal(s.device.config.get('Lighting[0][1].Mode'), 'Off')
    assert.equal(s.device.config.get('Lighting_V2[0][0][0].Mode'), 'Auto', 'v2 not written while v1 works')
    await send({ action: 'light', payload: true })
    assert.equal(s.device.config.get('Lighting_V2[0][0][1].Mode'), 'Manual')
    assert.equal(s.device.config.get('Lighting_V2[0][1][1].Mode'), 'Manual')
  })

  it('a dual-light camera shines white through one RPC2 transaction of both tables, and goes back', async () => {
    const s = await start('ipc-il')
    const out = await send({ action: 'light', payload: true, duration: 0.3 })
    assert.deepEqual(out.payload, { action: 'light', channel: 1, state: true, verified: true })
    assert.equal(s.device.whiteLit(0), true, 'the LEDs are on')
    assert.equal(s.device.config.get('LightingScheme[0][0].LightingMode'), 'WhiteMode')
    await until(() => !s.device.whiteLit(0), 'the timed light off again')
    assert.equal(s.device.config.get('LightingScheme[0][0].LightingMode'), 'AIMode', 'the scheme it had')
    assert.equal(s.device.config.get('Lighting_V2[0][0][1].Mode'), 'Auto', 'the mode it had')
  })

  it('a single-light camera shines white from its CGI write', async () => {
    const s = await start('deterrence')
    await send({ action: 'light', payload: 'on' })
    assert.equal(s.device.whiteLit(0), true)
    await send({ action: 'light', payload: 'off' })
    assert.equal(s.device.whiteLit(0), false)
  })

  it('day-night: colour, black-and-white and auto; Lorex has no auto', async () => {
    const s = await start('ipc-il')
    for (const [mode, value] of [
      ['black-white', '2'],
      ['color', '0'],
      ['auto', '1'],
    ]) {
      const out = await send({ action: 'day-night', payload: mode })
      assert.deepEqual(out.payload, { action: 'day-night', channel: 1, state: mode, verified: true })
      assert.equal(s.device.config.get('VideoInOptions[0].DayNightColor'), value)
    }
    await fails({ action: 'day-night', payload: 'dusk' }, 'day-night')
    await helper.unload()
    await sim?.close()
    const lorex = {
      ...PROFILES.nvr16!,
      controls: { ...PROFILES.nvr16!.controls, dayNight: 'lorex' as const },
    }
    const l = await start(lorex)
    await send({ action: 'day-night', channel: 2, payload: 'black-white' })
    assert.equal(l.device.config.get('VideoInOptions[1].NightOptions.SwitchMode'), '3')
    assert.equal(l.device.config.get('VideoInOptions[0].NightOptions.SwitchMode'), '0')
    await fails({ action: 'day-night', channel: 2, payload: 'auto' }, 'unsupported')
  })

  it("disarm: the camera's linkage and notifications, per channel or in one row", async () => {
    let s = await start('ipc-il')
    const out = await send({ action: 'disarm', payload: true })
    assert.deepEqual(out.payload, { action: 'disarm', channel: 1, state: true, verified: true })
    assert.equal(s.device.config.get('DisableLinkage[0].Enable'), 'true')
    assert.equal(s.device.config.get('DisableEventNotify[0].Enable'), 'true', 'notifications off')
    await send({ action: 'disarm', payload: 'off' })
    assert.equal(s.device.config.get('DisableLinkage[0].Enable'), 'false')
    assert.equal(s.device.config.get('DisableEventNotify[0].Enable'), 'false', 'notifications on again')
    await helper.unload()
    await sim?.close()
    s = await start('pv-camera')
    await send({ action: 'disarm', payload: true })
    assert.equal(s.device.config.get('DisableLinkage.Enable'), 'true')
    assert.equal(s.device.config.get('DisableEventNotify.Enable'), 'true')
  })

  // Every action on every profile, old and new: what the device says it supports on channel 1 is done and the
  // device ends in that state; what it does not is refused and nothing on the device changes.
  const cases: Record<string, { payload: unknown; done: (s: CameraSimulator) => boolean }> = {
    siren: { payload: true, done: (s) => s.device.sirens.get(0) === true },
    'warning-light': { payload: true, done: (s) => s.device.warningLights.get(0) === true },
    light: { payload: true, done: (s) => s.device.whiteLit(0) },
    'light-mode': { payload: 'off', done: (s) => rows(s, /^Lighting_V2\[0\]\[\d\]\[\d\]\.Mode$/, 'Off') },
    infrared: { payload: 'on', done: (s) => rows(s, /^Lighting(_V2)?\[0\]\[\d\](\[0\])?\.Mode$/, 'Manual') },
    privacy: { payload: true, done: (s) => s.device.config.get('LeLensMask[0].Enable') === 'true' },
    'motion-detection': {
      payload: false,
      done: (s) => s.device.config.get('MotionDetect[0].Enable') === 'false',
    },
    'smart-detection': {
      payload: false,
      done: (s) => s.device.config.get('SmartMotionDetect[0].Enable') === 'false',
    },
    'record-mode': { payload: 'manual', done: (s) => s.device.config.get('RecordMode[0].Mode') === '1' },
    'day-night': { payload: 'black-white', done: (s) => rows(s, /^VideoInOptions\[0\]\./, '2', '3') },
    disarm: { payload: true, done: (s) => rows(s, /^DisableLinkage(\[0\])?\.Enable$/, 'true') },
    'alarm-output': { payload: true, done: (s) => s.device.relayOn(0) },
    'ptz-preset': { payload: 1, done: (s) => s.device.ptz.get(0) === 'GotoPreset 1' },
    'ptz-move': {
      payload: { direction: 'up', seconds: 0.05 },
      done: (s) => s.device.ptz.get(0) === 'stopped',
    },
  }
  function rows(s: CameraSimulator, key: RegExp, ...values: string[]): boolean {
    return [...s.device.config].some(([k, v]) => key.test(k) && values.includes(v))
  }
  for (const name of Object.keys(PROFILES)) {
    it(`${name}: every action it supports ends in that state, every other is refused without a write`, async () => {
      const s = await start(name)
      const caps = (await send({ action: 'capabilities' })).payload as Array<{
        actions: string[]
        maybe: string[]
      }>
      for (const [action, { payload, done }] of Object.entries(cases)) {
        if (caps[0]!.actions.includes(action) || caps[0]!.maybe.includes(action)) {
          const out = await send({ action, payload })
          assert.equal((out.payload as { action: string }).action, action)
          assert.ok(done(s), `${name} ${action}: the device is in the state asked`)
        } else {
          const writes = s.device.writes
          await assert.rejects(send({ action, payload }), `${name} ${action} refused`)
          assert.equal(s.device.writes, writes, `${name} ${action}: nothing written`)
        }
      }
      // An IVS rule by the name the device has for it (a recorder's cameras keep theirs apart).
      const table = s.device.config.has('RemoteVideoAnalyseRule[0][0].Name')
        ? 'RemoteVideoAnalyseRule'
        : 'VideoAnalyseRule'
      const ruleName = s.device.config.get(`${table}[0][0].Name`)
      if (caps[0]!.actions.includes('ivs-rule') && ruleName !== undefined) {
        await send({ action: 'ivs-rule', payload: { name: ruleName, enabled: false } })
        assert.equal(s.device.config.get(`${table}[0][0].Enable`), 'false', `${name} ivs-rule`)
      } else {
        await assert.rejects(send({ action: 'ivs-rule', payload: { name: 'Gate', enabled: false } }))
      }
    })
  }
})
