// A failed control action as its sentence says it (issue 18 §5): the tries an RPC2 refusal leaves, and a
// sentence that is read whole however long what it quotes.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Device } from '../../src/lib/device'
import { ControlError, failureText } from '../../src/lib/act/control-error'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'

const english = (
  JSON.parse(readFileSync(join(__dirname, '../../../nodes/locales/en-US/dahua-control.json'), 'utf8')) as {
    'dahua-control': { errors: Record<string, string> }
  }
)['dahua-control'].errors

/** The catalog's sentence with its parameters filled in, as Node-RED's i18n does. */
const t = (key: string, params: Record<string, string | number> = {}): string =>
  (english[key.replace(/^dahua-control\.errors\./, '')] ?? key).replace(/__(\w+)__/g, (_, name: string) =>
    String(params[name] ?? ''),
  )

describe('a failed control action, as said', function () {
  let sim: CameraSimulator | undefined
  let device: Device | undefined
  afterEach(async () => {
    await device?.close()
    await sim?.close()
  })

  it('an RPC2 login refused once leaves the tries of RPC2 own budget (2), not the camera budget (3)', async () => {
    // A PV camera sounds its siren over RPC2 (profiles.ts, rr#676); its CGI reads prove the password first.
    sim = simulator({ profile: 'pv-camera' })
    const port = await sim.listen()
    device = new Device({
      address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
      credentials: { username: 'admin', password: 'admin' },
      heartbeatSeconds: 1,
    })
    sim.rpc2.refuseLogins = true
    const err = await device.control
      .run({ action: 'siren', channel: 1, value: { kind: 'switch', on: true } })
      .then(
        () => assert.fail('it was carried out'),
        (err: unknown) => err,
      )
    assert.ok(err instanceof ControlError && err.key === 'login', String(err))
    assert.equal(err.params.left, 2)
  })

  it('a sentence quoting a 100 KB text is shortened inside and keeps its end', () => {
    const text = failureText(
      new ControlError('rule-name', { name: 'A'.repeat(100_000), rules: '"Gate"' }),
      t,
      'dahua-control',
      { action: 'ivs-rule', camera: 'Garage (127.0.0.1:80)' },
    )
    assert.ok(text.length < 1000, `${text.length} characters`)
    assert.match(
      text,
      /^The camera Garage \(127\.0\.0\.1:80\) has no IVS rule named "A+…" on this channel; it has: "Gate"\.$/,
    )
    const other = failureText(new Error(`refused: ${'B'.repeat(100_000)}`), t, 'dahua-control', {
      action: 'snapshot',
      camera: 'Garage',
    })
    assert.ok(other.length < 1000, `${other.length} characters`)
    assert.match(other, /^snapshot failed on the camera Garage: refused: B+…$/)
  })
})
