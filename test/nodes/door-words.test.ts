// The door node's badges and errors as a person reads them (issue 18 §5): translated through Node-RED's own i18n
// from the door node set's catalog, as the runtime does, where the test helper's RED._ would return keys.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { NodeAPI } from 'node-red'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import cameraNode from '../../src/dahua-camera'
import doorNode from '../../src/dahua-door'
import { simulator } from '../helpers/sim'
import {
  cameraFlowNode,
  control,
  credentials,
  doorFlowNode,
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

const FAST = {
  retryBaseMs: 50,
  retryCapMs: 100,
  quickRetryCapMs: 100,
  healthyAfterMs: 200,
  unreachableAfter: 2,
}
const KEY = /dahua-(camera|door|event-in)\.[a-z-]+\./

describe(`dahua-door in the user's words (English catalog), in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  let door: (RED: NodeAPI) => void
  flowHooks(() => sim, FAST)

  before(async () => {
    // @node-red/util is what the runtime translates with; a node set's RED._ looks keys up in its own catalog.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { i18n } = require('@node-red/util') as { i18n: NodeRedI18n }
    i18n.init({ lang: 'en-US' })
    await i18n.registerMessageCatalog(
      'test-door-words',
      join(__dirname, '../../../nodes/locales'),
      'dahua-door.json',
    )
    await i18n.i.loadLanguages('en-US')
    const t = i18n.i.getFixedT('en-US', 'test-door-words')
    door = (RED) =>
      doorNode(new Proxy(RED, { get: (red, name): unknown => (name === '_' ? t : Reflect.get(red, name)) }))
  })
  afterEach(() => (sim = undefined))

  const badges = (): string[] =>
    statusCalls('door').map((args) => String((args[0] as { text?: string }).text))

  it('a door whose camera is down says why in words, not a catalog key', async () => {
    // A port nothing listens on: the camera is unreachable, for the reason the event node says too.
    const closed = createServer()
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)),
    )
    await new Promise((resolve) => closed.close(resolve))
    await helper.load(
      [cameraNode, door],
      [cameraFlowNode({ port }), ...doorFlowNode('door')],
      credentials('admin'),
    )
    await until(() => badges().some((b) => b.startsWith('camera down')), 'the camera down', 10_000)
    const down = badges().find((b) => b.startsWith('camera down'))!
    assert.equal(down, 'camera down: nothing listens on the port')
  })

  it('a failed open: its reason and time on the badge, the camera by its name in the error, one try said in the singular', async () => {
    sim = simulator({ profile: 'vto-apartment' })
    const port = await sim.listen()
    await helper.load(
      [cameraNode, door],
      [cameraFlowNode({ port, name: 'Front door' }), ...doorFlowNode('door', { allowOpen: true })],
      credentials('admin'),
    )
    await until(() => badges().includes('dahua-door.status.connected'), 'connected')
    sim.rpc2.refuseLogins = true
    const errors: string[] = []
    for (let i = 0; i < 3; i++) {
      await control('door', { action: 'open' }).catch((err: Error) => errors.push(err.message))
    }
    const where = `Front door (127.0.0.1:${port})`
    assert.equal(
      errors[1],
      `The device ${where} refused the login for open: check the user and password in the camera node (1 more refusal and logins pause, as the device would lock the account).`,
    )
    assert.match(
      errors[2]!,
      new RegExp(`^Logins to the device ${escape(where)} are paused until \\d\\d:\\d\\d:\\d\\d after`),
    )
    const last = badges().at(-1)!
    assert.match(last, /^open failed \d\d:\d\d:\d\d: logins paused until \d\d:\d\d:\d\d$/)
    // A badge without parameters is sent as its key, which the editor translates (badge.ts).
    const composed = badges().filter((b) => !/^dahua-door\.status\.[a-z-]+$/.test(b))
    for (const text of [...errors, ...composed]) assert.doesNotMatch(text, KEY, text)
  })

  it('an action a flow made up is said printable and short', async () => {
    sim = simulator({ profile: 'vto' })
    const port = await sim.listen()
    await helper.load(
      [cameraNode, door],
      [cameraFlowNode({ port }), ...doorFlowNode('door')],
      credentials('admin'),
    )
    const error = await control('door', {
      action: `\x1b]0;pwned\x07\r\n[error] FORGED ${'A'.repeat(500)}`,
    }).then(
      () => '',
      (err: Error) => err.message,
    )
    assert.match(error, /^"\]0;pwned \[error\] FORGED A+" is not an action of the door node/)
    assert.doesNotMatch(error, /\p{Cc}/u)
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
