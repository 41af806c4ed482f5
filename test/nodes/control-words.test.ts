// The control node's badges and errors as a person reads them (issue 18 §5): translated through Node-RED's own
// i18n from the control node set's catalog, as the runtime does, where the test helper's RED._ would return keys.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { NodeAPI } from 'node-red'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import cameraNode from '../../src/dahua-camera'
import controlNode from '../../src/dahua-control'
import { simulator } from '../helpers/sim'
import {
  cameraFlowNode,
  control,
  controlFlowNode,
  credentials,
  flowHooks,
  helper,
  runtimeName,
  statusCalls,
} from '../helpers/flows'
import { until } from '../helpers/wait'

type Translate = (key: string, params?: Record<string, unknown>) => string

interface NodeRedI18n {
  init(settings: { lang?: string }): void
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>
  i: { loadLanguages(lang: string): Promise<void>; getFixedT(lang: string, namespace: string): Translate }
}

const KEY = /dahua-(camera|control|door|event-in)\.[a-z-]+\./
const CLOCK = '\\d\\d:\\d\\d:\\d\\d'

describe(`dahua-control in the user's words (English catalog), in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  let ctl: (RED: NodeAPI) => void
  flowHooks(() => sim, { retryBaseMs: 50, retryCapMs: 300 })

  before(async () => {
    // @node-red/util is what the runtime translates with; a node set's RED._ looks keys up in its own catalog.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { i18n } = require('@node-red/util') as { i18n: NodeRedI18n }
    i18n.init({ lang: 'en-US' })
    await i18n.registerMessageCatalog(
      'test-control-words',
      join(__dirname, '../../../nodes/locales'),
      'dahua-control.json',
    )
    await i18n.i.loadLanguages('en-US')
    const t = i18n.i.getFixedT('en-US', 'test-control-words')
    ctl = (RED) =>
      controlNode(
        new Proxy(RED, { get: (red, name): unknown => (name === '_' ? t : Reflect.get(red, name)) }),
      )
  })
  afterEach(() => (sim = undefined))

  const badges = (): string[] => statusCalls('ctl').map((args) => String((args[0] as { text?: string }).text))
  const failure = (msg: Record<string, unknown>): Promise<string> =>
    control('ctl', msg).then(
      () => assert.fail('it was carried out'),
      (err: Error) => err.message,
    )

  it('a refused siren: its reason and time on the badge, the camera by its name, one try said in the singular, the pause on the clock', async () => {
    sim = simulator({ profile: 'deterrence', password: 'other' })
    const port = await sim.listen()
    await helper.load(
      [cameraNode, ctl],
      [cameraFlowNode({ port, name: 'Garage' }), ...controlFlowNode('ctl', 'siren')],
      credentials('admin'),
    )
    const errors: string[] = []
    for (let i = 0; i < 4; i++) errors.push(await failure({ payload: true }))
    const where = `Garage (127.0.0.1:${port})`
    assert.equal(
      errors[1],
      `The camera ${where} refused the login for siren: check the user and password in the camera node (1 more refusal and logins pause, as the camera would lock the account).`,
    )
    assert.equal(
      errors[2],
      `The camera ${where} refused the login for siren: check the user and password in the camera node. Logins to it now pause, as the camera would lock the account.`,
    )
    assert.match(
      errors[3]!,
      new RegExp(`^Logins to the camera ${escape(where)} are paused until ${CLOCK} after refused passwords`),
    )
    assert.match(badges().at(-1)!, new RegExp(`^Siren failed ${CLOCK}: logins paused until ${CLOCK}$`))
    assert.ok(
      badges().some((b) => new RegExp(`^Siren failed ${CLOCK}: login refused$`).test(b)),
      badges().join(' | '),
    )
    for (const text of [...errors, ...badges()]) assert.doesNotMatch(text, KEY, text)
  })

  it('a camera nothing answers for: the reason in words on the badge and in the error, not a catalog key', async () => {
    const closed = createServer()
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)),
    )
    await new Promise((resolve) => closed.close(resolve))
    await helper.load(
      [cameraNode, ctl],
      [cameraFlowNode({ port }), ...controlFlowNode('ctl', 'siren')],
      credentials('admin'),
    )
    const error = await failure({ payload: true })
    assert.equal(error, `siren did not reach the camera 127.0.0.1:${port}: nothing listens on the port.`)
    assert.match(badges().at(-1)!, new RegExp(`^Siren failed ${CLOCK}: nothing listens on the port$`))
  })

  it('a timed siren says until when, and says off when its time is up', async () => {
    sim = simulator({ profile: 'deterrence' })
    const port = await sim.listen()
    await helper.load(
      [cameraNode, ctl],
      [cameraFlowNode({ port }), ...controlFlowNode('ctl', 'siren')],
      credentials('admin'),
    )
    await control('ctl', { payload: true, duration: 1 })
    assert.match(badges().at(-1)!, new RegExp(`^Siren: on until ${CLOCK}$`))
    await until(() => sim!.device.sirens.get(0) === false, 'the siren off', 10_000)
    await until(() => /^Siren: +off /.test(badges().at(-1)!), 'the badge says off', 5_000)
    assert.match(badges().at(-1)!, new RegExp(`^Siren: +off ${CLOCK}$`))
  })

  it('a timed light says until when, and says it is back as before when its time is up', async () => {
    sim = simulator({ profile: 'deterrence' })
    const port = await sim.listen()
    await helper.load(
      [cameraNode, ctl],
      [cameraFlowNode({ port }), ...controlFlowNode('ctl', 'light')],
      credentials('admin'),
    )
    await control('ctl', { payload: true, duration: 1 })
    assert.match(badges().at(-1)!, new RegExp(`^White light: on until ${CLOCK}$`))
    await until(() => badges().at(-1)!.includes('back as before'), 'the badge says the light is back', 10_000)
    assert.match(badges().at(-1)!, new RegExp(`^White light: back as before ${CLOCK}$`))
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
