// `npm run check:package`: the Node-RED Flow Library scorecard's checks (node-red-dev validate), offline.
// validate itself needs catalogue.nodered.org and the npm registry; the checks that need them are listed as
// skipped. Exits 1 when a check fails.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'

const root = new URL('..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// The Node-RED releases users run today: the 4.x maintenance line and 5.x latest (tech-notes.md 2).
const NODE_RED_RELEASES = ['4.0.0', '4.1.15', '5.0.7']
const NODE_RED_LATEST_MIN_NODE = '22.9.0'
const results = []
const check = (id, what, ok, detail = '') => results.push({ id, what, result: ok ? 'pass' : 'FAIL', detail })
const skip = (id, what, why) => results.push({ id, what, result: 'skipped', detail: why })

check('P01', 'license', Boolean(pkg.license), pkg.license)
check('P03', 'repository and bugs', Boolean(pkg.repository?.url && pkg.bugs?.url))
check('P04', 'scoped name', /^@[\w-]+\/[\w.-]+$/.test(pkg.name), pkg.name)
check('P05', 'keyword node-red', (pkg.keywords ?? []).includes('node-red'))
const range = pkg['node-red']?.version
const outside = NODE_RED_RELEASES.filter((v) => !semver.satisfies(v, range ?? ''))
check(
  'P06',
  `node-red.version includes ${NODE_RED_RELEASES.join(', ')}`,
  Boolean(range) && outside.length === 0,
  range,
)
const engines = pkg.engines?.node
check(
  'P07',
  `engines.node allows Node ${NODE_RED_LATEST_MIN_NODE}`,
  Boolean(engines) && semver.satisfies(NODE_RED_LATEST_MIN_NODE, engines),
  engines,
)
skip('P08', 'no similar names in the catalogue', 'needs catalogue.nodered.org')
const dependencies = Object.keys(pkg.dependencies ?? {})
check('D01', 'at most 6 dependencies', dependencies.length <= 6, dependencies.join(', '))
skip('D02', 'no bad packages in the dependency tree', 'needs the npm registry')
skip('D03', 'dependencies at their latest versions', 'needs the npm registry')

const nodeTypes = []
for (const [set, file] of Object.entries(pkg['node-red']?.nodes ?? {})) {
  const js = join(root, file)
  const html = js.replace(/\.js$/, '.html')
  check('N00', `${set}: ${file} is built and its HTML beside it`, existsSync(js) && existsSync(html))
  const source = existsSync(html) ? readFileSync(html, 'utf8') : ''
  const registered = [...source.matchAll(/RED\.nodes\.registerType\(\s*'([\w-]+)'\s*,\s*\{/g)].map(
    (m) => m[1],
  )
  check(
    'N03',
    `${set}: registerType with a literal type`,
    registered.length === 1 && registered[0] === set,
    registered.join(),
  )
  const isConfig = /category:\s*'config'/.test(source)
  const fields = isConfig
    ? ['defaults', 'credentials', 'category']
    : ['defaults', 'icon', 'color', 'inputs', 'outputs', 'category']
  const missing = fields.filter((f) => !new RegExp(`\\b${f}:`).test(source))
  check(
    'N04',
    `${set}: inline ${fields.join(', ')}`,
    missing.length === 0,
    missing.length ? `missing ${missing.join(', ')}` : '',
  )
  if (!isConfig) {
    nodeTypes.push(set)
  }
}
skip('N01', 'node types unique in the catalogue', 'needs catalogue.nodered.org')
const examplesDir = join(root, 'examples')
const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => f.endsWith('.json')) : []
const used = new Set(
  examples.flatMap((f) => JSON.parse(readFileSync(join(examplesDir, f), 'utf8')).map((n) => n.type)),
)
const unused = nodeTypes.filter((t) => !used.has(t))
check(
  'N02',
  'examples use every non-config node',
  examples.length > 0 && unused.length === 0,
  `${examples.length} examples`,
)
check(
  'F01',
  'package files include nodes/ and examples/',
  ['nodes', 'examples'].every((d) => (pkg.files ?? []).includes(d)),
)

const width = Math.max(...results.map((r) => r.what.length))
for (const r of results) {
  console.log(`${r.id}  ${r.result.padEnd(7)}  ${r.what.padEnd(width)}  ${r.detail}`)
}
const failed = results.filter((r) => r.result === 'FAIL')
console.log(
  `\n${results.length - failed.length - results.filter((r) => r.result === 'skipped').length} passed, ${failed.length} failed, ${results.filter((r) => r.result === 'skipped').length} skipped (need the network)`,
)
process.exit(failed.length ? 1 : 0)
