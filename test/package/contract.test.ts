import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createContext, runInContext, runInNewContext } from 'node:vm'
import cameraNode from '../../src/dahua-camera'
import controlNode from '../../src/dahua-control'
import doorNode from '../../src/dahua-door'
import eventInNode from '../../src/dahua-event-in'
import { ACTIONS } from '../../src/lib/act/controls'
import { badgeFor, reasonText } from '../../src/lib/badge'
import type { ConnectionState, FailureReason } from '../../src/lib/types'

const root = join(__dirname, '..', '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string>; version: string }
  files: string[]
  bin: Record<string, string>
}
const types = Object.keys(pkg['node-red'].nodes)

interface EditorDef {
  category: string
  defaults: Record<string, { validate?: (v: unknown, opt?: object) => boolean | string }>
  credentials?: Record<string, { type: string }>
  icon?: string
}

function editorDefinition(type: string): EditorDef {
  const html = readFileSync(join(root, 'nodes', `${type}.html`), 'utf8')
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1]
  assert.ok(script, `${type}.html has a registerType script`)
  const registered: Record<string, EditorDef> = {}
  // As the editor does: the shared rules (resources/rules.js, built from src/lib/rules.ts) first, then the node.
  const context = createContext({
    RED: {
      nodes: { registerType: (t: string, def: EditorDef) => (registered[t] = def) },
      _: (key: string, params?: Record<string, string>) =>
        translator(key.split(':')[1]!.split('.')[0]!)(key.split(':')[1]!, params),
    },
    // jQuery as far as the definitions use it at load time (dahua-camera.html listens to the palette search).
    $: () => ({ on: () => undefined }),
    document: {},
    window: {},
  })
  runInContext(readFileSync(join(root, 'resources', 'rules.js'), 'utf8'), context)
  runInContext(`var DahuaRules = window.DahuaRules;\n${script}`, context)
  assert.ok(registered[type], `${type}.html registers ${type}`)
  // Objects made in another vm context compare unequal by prototype; the JSON shape is what matters.
  return {
    ...(JSON.parse(JSON.stringify(registered[type])) as EditorDef),
    defaults: registered[type].defaults,
  }
}

function catalog(type: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >
}

function lookup(type: string, key: string): string | undefined {
  let at: unknown = catalog(type)
  for (const part of key.split('.')) {
    at = (at as Record<string, unknown> | undefined)?.[part]
  }
  return typeof at === 'string' ? at : undefined
}

/** Node-RED's RED._ over the en-US catalog: a missing key fails the test instead of showing a raw key. */
function translator(type: string) {
  return (key: string, params: Record<string, string | number> = {}): string => {
    const text = lookup(type, key)
    assert.ok(text !== undefined, `${type} catalog lacks ${key}`)
    return text.replace(/__(\w+)__/g, (_m, name: string) => String(params[name] ?? ''))
  }
}

describe('package contract', () => {
  it('declares a node-red version range that includes 4.x and 5.x, and one node set per node type', () => {
    assert.equal(pkg['node-red'].version, '>=4.0.0')
    assert.deepEqual(types, ['dahua-camera', 'dahua-event-in', 'dahua-control', 'dahua-door'])
  })

  it('registers the same node types, credentials and properties in the editor as in the runtime', () => {
    const runtime: Record<string, { credentials?: unknown }> = {}
    const RED = {
      nodes: {
        registerType: (type: string, _ctor: unknown, opts?: { credentials?: unknown }) =>
          (runtime[type] = opts ?? {}),
      },
      httpAdmin: { get: () => undefined, post: () => undefined },
      auth: { needsPermission: () => undefined },
    }
    cameraNode(RED as never)
    eventInNode(RED as never)
    controlNode(RED as never)
    doorNode(RED as never)
    assert.deepEqual(Object.keys(runtime).sort(), [...types].sort())
    const camera = editorDefinition('dahua-camera')
    assert.deepEqual(camera.credentials, runtime['dahua-camera']?.credentials)
    assert.equal(
      camera.credentials?.password?.type,
      'password',
      'the password is a password credential: never exported',
    )
    assert.deepEqual(Object.keys(camera.defaults).sort(), [
      'allowBasic',
      'heartbeat',
      'host',
      'name',
      'port',
      'protocol',
      'refreshMinutes',
      'verifyTls',
    ])
    const eventIn = editorDefinition('dahua-event-in')
    assert.deepEqual(Object.keys(eventIn.defaults).sort(), [
      'actions',
      'camera',
      'channels',
      'codes',
      'connection',
      'faceMatch',
      'faceSimilarity',
      'faces',
      'name',
      'objects',
      'outputs',
      'plateMatch',
      'plates',
      'rules',
      'snapshot',
      'snapshotTimeout',
    ])
    assert.equal(eventIn.credentials, undefined)
    const control = editorDefinition('dahua-control')
    assert.deepEqual(Object.keys(control.defaults).sort(), ['action', 'camera', 'channel', 'name'])
    for (const action of ACTIONS) {
      assert.equal(control.defaults.action?.validate?.(action), true, `the editor accepts ${action}`)
    }
    assert.equal(control.defaults.action?.validate?.('dance'), false)
    const door = editorDefinition('dahua-door')
    assert.deepEqual(Object.keys(door.defaults).sort(), [
      'allowOpen',
      'camera',
      'channel',
      'name',
      'snapshot',
    ])
    assert.equal((door.defaults.allowOpen as { value?: unknown }).value, false, 'opening is off by default')
    assert.equal(door.defaults.channel?.validate?.('2'), true)
    // A door node saved before the setting existed has none, and an emptied field is '': both are channel 1.
    assert.equal(door.defaults.channel?.validate?.(undefined), true)
    assert.equal(door.defaults.channel?.validate?.(''), true)
    assert.equal(door.defaults.channel?.validate?.('0'), false)
    assert.equal(
      door.defaults.channel?.validate?.('front', {}),
      'The picture channel must be a whole number from 1 to 1024.',
    )
  })

  it('names every control action and words every control error in the catalog', () => {
    for (const action of ACTIONS) {
      assert.ok(lookup('dahua-control', `dahua-control.actions.${action}`), `label of ${action}`)
    }
    // Every file of acting on a device but the door's, which words its own.
    const act = join(root, 'src', 'lib', 'act')
    const sources = readdirSync(act)
      .filter((file) => file.endsWith('.ts') && file !== 'door-control.ts')
      .map((file) => readFileSync(join(act, file), 'utf8'))
      .join('\n')
    const keys = [
      ...sources.matchAll(/problem: '([a-z-]+)'/g),
      ...sources.matchAll(/new ControlError\('([a-z-]+)'/g),
    ].map((m) => m[1]!)
    assert.ok(keys.length > 20, `${keys.length} keys found`)
    for (const key of [...keys, 'rights', 'login', 'failed-other', 'no-camera']) {
      assert.ok(lookup('dahua-control', `dahua-control.errors.${key}`), `errors.${key}`)
    }
    // The door node words the same failures, and its own, from its catalog.
    const door = readFileSync(join(act, 'door-control.ts'), 'utf8')
    const doorKeys = [
      ...door.matchAll(/new ControlError\('([a-z-]+)'/g),
      ...door.matchAll(/undefined, '([a-z-]+)'\)/g),
    ].map((m) => m[1]!)
    assert.ok(doorKeys.length >= 5, `${doorKeys.length} door keys found`)
    // What failureOf and refusalOf (device-control.ts) and the setting queue make, which both nodes word.
    for (const key of [
      ...doorKeys,
      'rights',
      'login',
      'paused',
      'too-large',
      'failed',
      'failed-other',
      'busy',
    ]) {
      assert.ok(lookup('dahua-door', `dahua-door.errors.${key}`), `door errors.${key}`)
    }
  })

  it('ships every icon the editor names', () => {
    for (const type of types) {
      const icon = editorDefinition(type).icon
      if (icon) {
        assert.ok(existsSync(join(root, 'icons', icon)), `icons/${icon}`)
        assert.ok(existsSync(join(root, 'nodes', 'icons', icon)), `nodes/icons/${icon} (the build copies it)`)
      }
    }
  })

  it('has every data-i18n key of the editor and every catalog key named in the code', () => {
    for (const type of types) {
      const html = readFileSync(join(root, 'nodes', `${type}.html`), 'utf8')
      const keys = [
        ...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g),
        ...html.matchAll(/this\._\('([^']+)'/g),
      ].map((m) => m[1]!)
      assert.ok(keys.length > 3)
      for (const key of keys) {
        assert.ok(lookup(type, key) !== undefined, `${type}.html uses ${key}`)
      }
      const source = readFileSync(join(root, 'src', `${type}.ts`), 'utf8')
      for (const match of source.matchAll(
        /'((?:dahua-camera|dahua-event-in|dahua-control|dahua-door)\.[a-z-]+\.[a-z-]+)'/g,
      )) {
        // A key names its catalog: the camera node also names the badge its event nodes show.
        const catalog = match[1]!.split('.')[0]!
        assert.ok(lookup(catalog, match[1]!) !== undefined, `src/${type}.ts uses ${match[1]}`)
      }
      assert.ok(existsSync(join(root, 'nodes', 'locales', 'en-US', `${type}.html`)), `help for ${type}`)
    }
  })

  it('has a description for every code the picker offers and a text for every probe answer', () => {
    const html = readFileSync(join(root, 'nodes', 'dahua-event-in.html'), 'utf8')
    const block = /var KNOWN_CODES = (\{[\s\S]*?\n {4}\})/.exec(html)?.[1]
    assert.ok(block, 'the picker has its codes')
    const groups = runInNewContext(`(${block})`) as Record<string, string[]>
    assert.ok(Object.values(groups).flat().length >= 30)
    for (const [group, codes] of Object.entries(groups)) {
      assert.ok(lookup('dahua-event-in', `dahua-event-in.groups.${group}`), `group ${group}`)
      for (const code of codes) {
        assert.ok(lookup('dahua-event-in', `dahua-event-in.codes.${code}`), `description of ${code}`)
      }
    }
    for (const key of [
      'testing',
      'ok',
      'unreachable',
      'not-dahua',
      'auth',
      'tls',
      'failed',
      'basic-not-allowed',
      'basic-downgrade',
      'paused',
      'password',
      'no-login',
      'refused',
      'dns',
      'no-route',
      'no-connect',
      'timeout',
      'protocol-https',
      'protocol-http',
      'redirect',
    ]) {
      assert.ok(lookup('dahua-camera', `dahua-camera.probe.${key}`), `probe.${key}`)
    }
  })

  it('has a badge text for every connection state and a reason text for every failure in both catalogs', () => {
    const states: ConnectionState[] = [
      'connecting',
      'connected',
      'retrying',
      'unreachable',
      'auth-failed',
      'tls-refused',
      'stopped',
    ]
    const kinds: FailureReason['kind'][] = [
      'closed',
      'stalled',
      'refused',
      'dns',
      'no-route',
      'no-connect',
      'timeout',
      'protocol',
      'tls',
      'http',
      'redirect',
      'auth',
      'basic',
      'network',
    ]
    const t = translator('dahua-event-in')
    for (const state of states) {
      for (const kind of kinds) {
        badgeFor(
          { state, reason: { kind, detail: 'x' } },
          { code: 'VideoMotion', action: 'Start', at: new Date() },
          t,
        )
        badgeFor({ state, reason: { kind } }, undefined, t)
        badgeFor({ state, reason: { kind, detail: 'downgrade' } }, undefined, t)
        badgeFor({ state, reason: { kind, detail: 'http-to-https' } }, undefined, t)
        reasonText(
          { state, reason: { kind, detail: 'http-to-https' } },
          translator('dahua-camera'),
          'dahua-camera',
        )
        reasonText({ state, reason: { kind } }, translator('dahua-camera'), 'dahua-camera')
      }
    }
    for (const key of [
      'state.connected',
      'state.retrying',
      'state.unreachable',
      'state.auth-failed',
      'state.tls-refused',
      'warn.garbage',
      'warn.oversize',
      'warn.invalid-event',
      'warn.status-line',
      'warn.long-line',
      'state.basic-not-allowed',
      'state.basic-downgrade',
      // Every LimitName (attach-stream.ts) has its line.
      'limit.depth',
      'limit.keys',
      'limit.codes',
      'limit.snapshot',
      'limit.answer',
      'limit.snapshots',
    ]) {
      assert.ok(lookup('dahua-camera', `dahua-camera.${key}`), key)
    }
  })

  it('packs the built nodes, editor files, locales and icons, and nothing from src or test', function () {
    this.timeout(60_000)
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    })
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path)
    for (const expected of [
      'nodes/dahua-camera.js',
      'nodes/dahua-camera.html',
      'nodes/dahua-event-in.js',
      'nodes/dahua-event-in.html',
      'nodes/locales/en-US/dahua-camera.json',
      'nodes/locales/en-US/dahua-event-in.html',
      'nodes/icons/dahua-camera.svg',
      'nodes/lib/device.js',
      'nodes/lib/stream/multipart.js',
      'nodes/sim/cli.js',
      'package.json',
      'README.md',
    ]) {
      assert.ok(files.includes(expected), `${expected} is packed`)
    }
    for (const bin of Object.values(pkg.bin)) {
      assert.ok(files.includes(bin), `the ${bin} command is packed`)
      assert.match(readFileSync(join(root, bin), 'utf8'), /^#!\/usr\/bin\/env node\n/, `${bin} has a shebang`)
    }
    const stray = files.filter(
      (f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('.build/'),
    )
    assert.deepEqual(stray, [])
    // A map would point at src/*.ts, which is not shipped: debuggers and stack traces would find nothing.
    assert.deepEqual(
      files.filter((f) => f.endsWith('.map')),
      [],
      'no source maps for sources the package does not ship',
    )
    assert.ok(readdirSync(join(root, 'nodes')).includes('dahua-camera.js'))
  })

  it("shows the README's pictures wherever it is read: absolute links to files in the repository", () => {
    // The Flow Library and npm show the README of the package, without the repository's files beside it.
    const raw = 'https://raw.githubusercontent.com/redcam/node-red-dahua/main/'
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const pictures = [
      ...[...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]!),
      ...[...readme.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!),
    ]
    assert.ok(pictures.length > 0)
    for (const url of pictures) {
      assert.ok(url.startsWith(raw), `${url} is an absolute raw GitHub link`)
      assert.ok(existsSync(join(root, url.slice(raw.length))), `${url} names a file in the repository`)
    }
  })

  it('has the simulator warn when it listens for other machines with the default login, and only then', async () => {
    const run = async (...args: string[]): Promise<string> => {
      const child = spawn(process.execPath, [
        join(root, 'nodes', 'sim', 'cli.js'),
        '--port',
        '0',
        '--quiet',
        ...args,
      ])
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      // It prints its address once it listens; any warning comes before.
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()))
      child.kill()
      return stderr
    }
    assert.match(await run('--host', '0.0.0.0'), /Warning: listening on 0\.0\.0\.0.*admin\/admin/)
    assert.equal(await run('--host', '0.0.0.0', '--password', 'not-the-default'), '')
    assert.equal(await run('--host', '127.0.0.1'), '')
  })

  it("has the editor's validators say what the runtime says, from the same rules", () => {
    const camera = editorDefinition('dahua-camera').defaults
    const eventIn = editorDefinition('dahua-event-in').defaults
    const say = (key: string, params?: Record<string, string>): string =>
      translator(key.split('.')[0]!)(key, params)
    const cases: Array<[EditorDef['defaults'][string] | undefined, unknown, string | true]> = [
      [camera.host, '192.168.1.108', true],
      [camera.host, 'http://192.168.1.108/', say('dahua-camera.invalid.host-url', { host: '192.168.1.108' })],
      [camera.host, '', say('dahua-camera.invalid.no-host')],
      [camera.port, '70000', say('dahua-camera.invalid.port')],
      [camera.port, '', true],
      [camera.heartbeat, '0', say('dahua-camera.invalid.heartbeat')],
      [camera.refreshMinutes, '-1', say('dahua-camera.invalid.refresh')],
      [
        eventIn.codes,
        'VideoMotion, Cross Line',
        say('dahua-event-in.errors.invalid-codes', { item: 'Cross Line' }),
      ],
      [eventIn.channels, '1, front', say('dahua-event-in.errors.invalid-channels', { item: 'front' })],
      [eventIn.actions, 'Start, Begin', say('dahua-event-in.errors.invalid-actions', { item: 'Begin' })],
      [eventIn.snapshotTimeout, '90', say('dahua-event-in.invalid.snapshot-wait')],
      [eventIn.snapshotTimeout, '2', true],
    ]
    for (const [property, value, expected] of cases) {
      assert.equal(property?.validate?.(value, {}), expected, `${String(value)}`)
      assert.equal(property?.validate?.(value), expected === true, `${String(value)} without opt`)
    }
  })
})
