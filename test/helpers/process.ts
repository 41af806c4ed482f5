// Node-RED as users run it: its own CLI (`red.js`) in a child process with this package installed in its user
// directory, one camera node pointed at a simulator, and its output kept for the assertions.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PASSWORD, runtime } from './flows'

export interface NodeRedProcess {
  child: ChildProcess
  /** The admin API's base URL. */
  api: string
  /** Everything it printed so far. */
  output: () => string
  /** Fails the test if the process has ended. */
  alive: (step: string) => void
  /** Its resident set size now, in MiB (Linux). */
  rssMiB: () => number
  /** The most resident memory it has had so far (VmHWM), in MiB (Linux). */
  peakMiB: () => number
  /** SIGINT, and the exit code. */
  stop: () => Promise<number | null>
  /** Kills it if still running and removes its user directory. */
  cleanup: () => void
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function memoryMiB(child: ChildProcess, field: 'VmRSS' | 'VmHWM'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

/** A camera node `cam` on the simulator's port and an event node that takes a picture of every Start. */
export function cameraFlow(port: number): Array<Record<string, unknown>> {
  return [
    { id: 'tab', type: 'tab', label: 'process' },
    {
      id: 'cam',
      type: 'dahua-camera',
      host: '127.0.0.1',
      port,
      protocol: 'http',
      verifyTls: true,
      heartbeat: 1,
    },
    {
      id: 'ev',
      type: 'dahua-event-in',
      z: 'tab',
      camera: 'cam',
      codes: '',
      channels: '',
      actions: '',
      snapshot: true,
      snapshotTimeout: 2,
      wires: [[], []],
    },
    // Detection filters remember Starts and mark plates: a process test covers them too.
    {
      id: 'people',
      type: 'dahua-event-in',
      z: 'tab',
      camera: 'cam',
      codes: '',
      channels: '',
      actions: '',
      objects: 'human',
      plates: 'AB-123-CD',
      plateMatch: 'all',
      wires: [[], []],
    },
    // The door and control nodes share the camera's session: a process test covers them too.
    {
      id: 'door',
      type: 'dahua-door',
      z: 'tab',
      camera: 'cam',
      snapshot: true,
      allowOpen: false,
      wires: [[]],
    },
    {
      id: 'ctl',
      type: 'dahua-control',
      z: 'tab',
      camera: 'cam',
      action: 'snapshot',
      channel: 1,
      wires: [[]],
    },
  ]
}

/**
 * A burst of control messages for different settings, as finding 1 of security-2026-12.md sent it: `POST
 * /burst?n=1000` makes a function node send `light` on channel 1, 2, ... n (one setting each) to the control node
 * `ctl`; `GET /burst` answers how many were answered and how many refused (a catch node counts those).
 */
export function controlBurstFlow(port: number): Array<Record<string, unknown>> {
  const count = (key: string): string => `global.set('${key}', (global.get('${key}') || 0) + 1); return null`
  // Nodes without x and y are taken for config nodes: a catch node then fails to start.
  const flow: Array<Record<string, unknown>> = [
    { id: 'go', type: 'http in', z: 'tab', url: '/burst', method: 'post', wires: [['send', 'ok']] },
    {
      id: 'send',
      type: 'function',
      z: 'tab',
      func: `for (let i = 0; i < Number(msg.req.query.n); i++) {
        node.send({ action: 'light', channel: (i % 1024) + 1, payload: true })
      }
      return null`,
      wires: [['ctl']],
    },
    { id: 'ok', type: 'http response', z: 'tab', statusCode: 204, wires: [] },
    {
      id: 'ctl',
      type: 'dahua-control',
      z: 'tab',
      camera: 'cam',
      action: 'light',
      channel: 1,
      wires: [['answered']],
    },
    { id: 'answered', type: 'function', z: 'tab', func: count('answered'), wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', scope: ['ctl'], uncaught: false, wires: [['refused']] },
    { id: 'refused', type: 'function', z: 'tab', func: count('refused'), wires: [] },
    { id: 'ask', type: 'http in', z: 'tab', url: '/burst', method: 'get', wires: [['tally']] },
    {
      id: 'tally',
      type: 'function',
      z: 'tab',
      func: `msg.payload = { answered: global.get('answered') || 0, refused: global.get('refused') || 0 }
      return msg`,
      wires: [['answer']],
    },
    { id: 'answer', type: 'http response', z: 'tab', wires: [] },
  ]
  return [
    { id: 'tab', type: 'tab', label: 'burst' },
    {
      id: 'cam',
      type: 'dahua-camera',
      host: '127.0.0.1',
      port,
      protocol: 'http',
      verifyTls: true,
      heartbeat: 5,
    },
    ...flow.map((node, i) => ({ ...node, x: 100 + 200 * (i % 4), y: 40 * i })),
  ]
}

/**
 * Starts Node-RED with `flow` deployed and the camera node `cam` given the test password; `heapMiB`: its
 * `--max-old-space-size`, as node-red-pi sets it on a small Raspberry Pi (256).
 */
export async function startNodeRed(
  flow: Array<Record<string, unknown>>,
  options: { heapMiB?: number } = {},
): Promise<NodeRedProcess> {
  const uiPort = await freePort()
  const userDir = mkdtempSync(join(tmpdir(), 'dahua-process-'))
  mkdirSync(join(userDir, 'node_modules', '@redcam'), { recursive: true })
  symlinkSync(
    join(__dirname, '..', '..', '..'),
    join(userDir, 'node_modules', '@redcam', 'node-red-dahua'),
    'dir',
  )
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow))
  writeFileSync(
    join(userDir, 'flows_cred.json'),
    JSON.stringify({ cam: { username: 'admin', password: PASSWORD } }),
  )
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${uiPort}, flowFile: 'flows.json', credentialSecret: false,
    telemetry: { enabled: false }, editorTheme: { tours: false }, logging: { console: { level: 'info' } } }\n`,
  )
  const heap = options.heapMiB === undefined ? [] : [`--max-old-space-size=${options.heapMiB}`]
  const red = join(dirname(runtime), '..', 'red.js')
  const child = spawn(process.execPath, [...heap, red, '--userDir', userDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return {
    child,
    api: `http://127.0.0.1:${uiPort}`,
    output: () => output,
    alive: (step) =>
      assert.equal(child.exitCode, null, `Node-RED ended after ${step}:\n${output.slice(-3000)}`),
    rssMiB: () => memoryMiB(child, 'VmRSS'),
    peakMiB: () => memoryMiB(child, 'VmHWM'),
    stop: () => {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGINT')
      return exited
    },
    cleanup: () => {
      child.kill('SIGKILL')
      rmSync(userDir, { recursive: true, force: true })
    },
  }
}
