// `npm start` (scripts/start.mjs) when ports are busy or have changed since the last run: the demo flow's camera
// is where the simulator is on this run, and a port it suggests is one that is free.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { until } from '../helpers/wait'

const root = join(__dirname, '..', '..', '..')

function listen(port = 0): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

const portOf = (server: Server): number => (server.address() as { port: number }).port

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  return { child, output: () => output }
}

describe('npm start with busy or changed ports', function () {
  this.timeout(60_000)
  const held: Server[] = []
  let userDir: string | undefined
  let running: ChildProcess | undefined

  afterEach(async () => {
    if (running && running.exitCode === null) {
      const exited = new Promise((resolve) => running?.once('exit', resolve))
      running.kill('SIGINT')
      await exited
    }
    running = undefined
    for (const server of held.splice(0)) server.close()
    if (userDir) rmSync(userDir, { recursive: true, force: true })
  })

  it('suggests a port that is free, not merely the next one', async () => {
    // Two busy ports side by side: the next one is no suggestion.
    let busy: number | undefined
    while (busy === undefined) {
      const first = await listen()
      const second = first && (await listen(portOf(first) + 1))
      if (first && second) {
        held.push(first, second)
        busy = portOf(first)
      } else {
        first?.close()
      }
    }
    const ui = await listen()
    assert.ok(ui)
    const uiPort = portOf(ui)
    ui.close()
    userDir = mkdtempSync(join(tmpdir(), 'dahua-start-'))
    const run = start({ PORT: String(uiPort), DAHUA_SIM_PORT: String(busy), DAHUA_USERDIR: userDir })
    const code = await new Promise((resolve) => run.child.once('exit', resolve))
    assert.equal(code, 1)
    const suggested = Number(/DAHUA_SIM_PORT=(\d+) npm start/.exec(run.output())?.[1])
    assert.ok(suggested > busy + 1, `suggested ${suggested}, busy ${busy} and ${busy + 1}:\n${run.output()}`)
    const check = await listen(suggested)
    assert.ok(check, `the suggested port ${suggested} is free`)
    check.close()
  })

  it("points the demo camera at this run's simulator port, also when the flow is from an earlier run", async () => {
    const [ui, simulator] = [await listen(), await listen()]
    assert.ok(ui && simulator)
    const [uiPort, simPort] = [portOf(ui), portOf(simulator)]
    ui.close()
    simulator.close()
    userDir = mkdtempSync(join(tmpdir(), 'dahua-start-'))
    // The flow an earlier run wrote, with the simulator on another port then.
    const camera = {
      id: 'demo-camera',
      type: 'dahua-camera',
      host: '127.0.0.1',
      port: 8080,
      protocol: 'http',
    }
    writeFileSync(join(userDir, 'flows.json'), JSON.stringify([{ ...camera, verifyTls: true, heartbeat: 5 }]))
    const run = start({ PORT: String(uiPort), DAHUA_SIM_PORT: String(simPort), DAHUA_USERDIR: userDir })
    running = run.child
    await until(() => /Ready: open the editor/.test(run.output()), `Node-RED ready:\n${run.output()}`, 45_000)
    const flows = (await (await fetch(`http://127.0.0.1:${uiPort}/flows`)).json()) as Array<{
      id: string
      port?: unknown
    }>
    assert.equal(flows.find((node) => node.id === 'demo-camera')?.port, simPort)
  })
})
