// A device's names in a control error are its text, not ours: printable and bounded (security-2026-12.md 4), as
// a hostile device sent escape sequences, a forged log line and a 240 KB rule name.

import assert from 'node:assert/strict'
import { Device } from '../../src/lib/device'
import { ControlError, failureText } from '../../src/lib/act/control-error'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { PROFILES } from '../../src/sim/profiles'
import { simulator } from '../helpers/sim'

const HOSTILE = [
  '\u001b]0;pwned\u0007\u001b[2J\u001b[31mRULE0',
  'a\r\n12 Jan 00:00:00 - [error] [dahua-camera:cam] FORGED LINE',
  'A'.repeat(240_000),
  'Gate',
  'Driveway',
  'Pool side',
  'Back door',
]

/** The sentence as Node-RED's i18n would put it together: every `__param__` replaced. */
const t = (key: string, params: Record<string, string | number> = {}): string =>
  `${key}: ${Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')}`

describe("a device's names in control errors", function () {
  let sim: CameraSimulator
  let device: Device

  async function start(profile: string | (typeof PROFILES)[string]): Promise<Device> {
    sim = simulator({ profile })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
    })
    return device
  }
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  async function sentence(run: Promise<unknown>, key: string): Promise<string> {
    const err = await run.then(
      () => assert.fail('it was carried out'),
      (err: unknown) => err,
    )
    assert.ok(err instanceof ControlError && err.key === key, String(err))
    return failureText(err, t, 'dahua-control', { action: 'ivs-rule', camera: '127.0.0.1' })
  }

  function assertBounded(text: string): void {
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u001f\u007f]/, 'no control character')
    assert.ok(text.length < 600, `${text.length} characters`)
    assert.equal(text.match(/"/g)?.length, 10, `five names, quoted: ${text}`)
    assert.match(text, /, …/, 'says that there are more')
  }

  it('lists at most five IVS rules, each printable and at most 64 characters', async () => {
    const d = await start('ipc')
    HOSTILE.forEach((name, i) => {
      sim.device.config.set(`VideoAnalyseRule[0][${i}].Name`, name)
      sim.device.config.set(`VideoAnalyseRule[0][${i}].Enable`, 'true')
    })
    const text = await sentence(
      d.control.run({ action: 'ivs-rule', channel: 1, value: { kind: 'rule', name: 'Nope', enabled: true } }),
      'rule-name',
    )
    assertBounded(text)
    assert.match(text, /"A{63}…"/)
  })

  it('lists at most five channel names, each printable, when a message names one the recorder lacks', async () => {
    const d = await start({ ...PROFILES.nvr16!, channelTitles: HOSTILE })
    const text = await sentence(
      d.control.run({ action: 'snapshot', channel: 1, channelName: 'Nope', value: { kind: 'none' } }),
      'channel-name',
    )
    assertBounded(text)
  })
})
