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

/** Starts Node-RED with `flow` deployed and the camera node `cam` given the test password. */
export async function startNodeRed(flow: Array<Record<string, unknown>>): Promise<NodeRedProcess> {
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
  const child = spawn(process.execPath, [join(dirname(runtime), '..', 'red.js'), '--userDir', userDir], {
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
    rssMiB: () => {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]
      return Number(kb) / 1024
    },
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
