// `npm start`: Node-RED (the devDependency) on 127.0.0.1:1880 with this package loaded, a user folder in
// .userdir/ (gitignored), and a demo flow whose camera is the bundled simulator playing a scripted day.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const require = createRequire(import.meta.url)
const { CameraSimulator } = require('../nodes/sim/camera-simulator.js')
const { playDay } = require('../nodes/sim/scenario.js')

const userDir = process.env.DAHUA_USERDIR ?? join(root, '.userdir')
const simPort = Number(process.env.DAHUA_SIM_PORT ?? 8080)
const uiPort = Number(process.env.PORT ?? 1880)

// Node-RED finds the package the way it finds any installed one: in the user folder's node_modules.
const link = join(userDir, 'node_modules', '@redcam', 'node-red-dahua')
mkdirSync(dirname(link), { recursive: true })
rmSync(link, { recursive: true, force: true })
symlinkSync(root, link, 'dir')
writeFileSync(
  join(userDir, 'package.json'),
  JSON.stringify(
    { name: 'dahua-demo', private: true, dependencies: { '@redcam/node-red-dahua': 'file:..' } },
    null,
    2,
  ),
)
const flowFile = join(userDir, 'flows.json')
if (!existsSync(flowFile)) {
  const flow = [
    { id: 'demo-tab', type: 'tab', label: 'Dahua demo' },
    {
      id: 'demo-comment',
      type: 'comment',
      z: 'demo-tab',
      name: 'The demo camera is a simulator (npm start runs it) playing a scripted day',
      info: 'Motion in the driveway, a person crossing the gate tripwire, a doorbell press, a car in the yard and an alarm input, every 75 seconds. Point the camera node at a real camera to use your own.',
      x: 330,
      y: 40,
      wires: [],
    },
    {
      id: 'demo-camera',
      type: 'dahua-camera',
      name: 'Demo camera',
      host: '127.0.0.1',
      port: simPort,
      protocol: 'http',
      verifyTls: true,
      heartbeat: 5,
      refreshMinutes: 60,
    },
    {
      id: 'demo-all',
      type: 'dahua-event-in',
      z: 'demo-tab',
      name: 'All events',
      camera: 'demo-camera',
      codes: '',
      channels: '',
      actions: '',
      connection: true,
      outputs: 2,
      x: 150,
      y: 120,
      wires: [['demo-debug-all'], ['demo-debug-connection']],
    },
    {
      id: 'demo-debug-connection',
      type: 'debug',
      z: 'demo-tab',
      name: 'connection',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'payload',
      x: 430,
      y: 160,
      wires: [],
    },
    {
      id: 'demo-debug-all',
      type: 'debug',
      z: 'demo-tab',
      name: 'events',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'payload',
      x: 420,
      y: 120,
      wires: [],
    },
    {
      id: 'demo-gate',
      type: 'dahua-event-in',
      z: 'demo-tab',
      name: 'Person at the gate',
      camera: 'demo-camera',
      codes: 'CrossLineDetection',
      channels: '',
      actions: 'Start',
      connection: false,
      outputs: 1,
      snapshot: true,
      snapshotTimeout: 2,
      x: 170,
      y: 220,
      wires: [['demo-debug-gate']],
    },
    {
      id: 'demo-debug-gate',
      type: 'debug',
      z: 'demo-tab',
      name: 'tripwire',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'true',
      x: 440,
      y: 220,
      wires: [],
    },
    {
      id: 'demo-picture',
      type: 'inject',
      z: 'demo-tab',
      name: 'Take a picture',
      props: [],
      repeat: '',
      once: false,
      x: 140,
      y: 300,
      wires: [['demo-control']],
    },
    {
      id: 'demo-control',
      type: 'dahua-control',
      z: 'demo-tab',
      name: '',
      camera: 'demo-camera',
      action: 'snapshot',
      channel: 1,
      x: 320,
      y: 300,
      wires: [['demo-debug-picture']],
    },
    {
      id: 'demo-debug-picture',
      type: 'debug',
      z: 'demo-tab',
      name: 'picture',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'true',
      x: 500,
      y: 300,
      wires: [],
    },
    {
      id: 'demo-door',
      type: 'dahua-door',
      z: 'demo-tab',
      name: 'Doorbell',
      camera: 'demo-camera',
      snapshot: true,
      allowOpen: false,
      x: 130,
      y: 360,
      wires: [['demo-debug-door']],
    },
    {
      id: 'demo-debug-door',
      type: 'debug',
      z: 'demo-tab',
      name: 'door',
      active: true,
      tosidebar: true,
      console: false,
      complete: 'payload',
      x: 430,
      y: 360,
      wires: [],
    },
  ]
  writeFileSync(flowFile, JSON.stringify(flow, null, 2))
  writeFileSync(
    join(userDir, 'flows_cred.json'),
    JSON.stringify({ 'demo-camera': { username: 'admin', password: 'admin' } }),
  )
} else {
  // The demo camera follows the simulator to the port it has on this run (DAHUA_SIM_PORT may differ from the
  // last one), unless it was pointed at a real camera.
  const flow = JSON.parse(readFileSync(flowFile, 'utf8'))
  const camera = Array.isArray(flow) ? flow.find((node) => node?.id === 'demo-camera') : undefined
  if (camera && camera.host === '127.0.0.1' && Number(camera.port) !== simPort) {
    camera.port = simPort
    writeFileSync(flowFile, JSON.stringify(flow, null, 2))
  }
}

function free(port) {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

/**
 * Ends with a sentence, not a stack trace, when a port is taken: which one, and another that is free now (not
 * `avoid`, the other port this script is about to use).
 */
async function portTaken(port, what, variable, avoid) {
  let next = port + 1
  while (next < 65535 && (next === avoid || !(await free(next)))) next++
  console.error(
    `Port ${port} is already in use (${what} already running?). Stop it, or choose another port: ${variable}=${next} npm start`,
  )
  process.exit(1)
}

if (!(await free(uiPort))) {
  await portTaken(uiPort, 'another Node-RED or npm start', 'PORT', simPort)
}
const sim = new CameraSimulator({ port: simPort, username: 'admin', password: 'admin', discovery: {} })
await sim
  .listen()
  .catch(() => portTaken(simPort, 'another camera simulator or npm start', 'DAHUA_SIM_PORT', uiPort))
// Search the network finds the demo camera too: its simulator answers Dahua's discovery on a port of its own,
// beside the LAN's multicast group and broadcast (DAHUA_DISCOVERY_TARGETS adds more, as the browser test's
// recorder).
const discoveryTargets = [
  '239.255.255.251',
  '255.255.255.255',
  `127.0.0.1:${sim.discoveryPort}`,
  ...(process.env.DAHUA_DISCOVERY_TARGETS ?? '').split(',').filter(Boolean),
]
writeFileSync(
  join(userDir, 'settings.js'),
  `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${uiPort},
  flowFile: 'flows.json',
  // The demo's only secret is the simulator's admin/admin; a real install keeps Node-RED's encryption.
  credentialSecret: false,
  // No update check and no welcome tour: the demo reaches nothing unasked but the simulator.
  telemetry: { enabled: false },
  editorTheme: { tours: false },
  logging: { console: { level: 'info' } },
  dahuaCamera: { discovery: { targets: ${JSON.stringify(discoveryTargets)} } },
}
`,
)
const stopDay = playDay(sim)
console.log(`Demo camera (simulator) at ${sim.url}, login admin/admin; starting Node-RED…`)

const nodeRed = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
// Node-RED's own log goes through; once it listens, the one line a person needs.
let announced = false
nodeRed.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  if (!announced && /Server now running at/.test(String(chunk))) {
    announced = true
    console.log(
      `\nReady: open the editor at http://127.0.0.1:${uiPort}/ (events appear in its debug sidebar). Ctrl+C stops.\n`,
    )
  }
})
const stop = () => nodeRed.kill('SIGINT')
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
nodeRed.on('exit', (code) => {
  stopDay()
  void sim.close().then(() => process.exit(code ?? 0))
})
