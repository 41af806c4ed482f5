// One Node-RED figure, in a process of its own with a real embedded runtime (no test-helper spies), so that
// its speed and memory are this package's and Node-RED's alone. Usage: node nodered.js e2e|cameras
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Runtime {
  init(server: http.Server, settings: object): void
  start(): Promise<void>
  stop(): Promise<void>
  hooks: {
    add(
      name: string,
      hook: (event: { destination: { id: string }; msg: { payload: { code: string } } }) => void,
    ): void
  }
}

function startSims(count: number, mode: string, events = 0): Promise<number[]> {
  const child = spawn(process.execPath, [join(__dirname, 'sims.js'), String(count), mode, String(events)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  process.on('exit', () => child.kill())
  return new Promise((resolve) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) {
        resolve(JSON.parse(out.split('\n')[0]!) as number[])
      }
    })
  })
}

function userDir(ports: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dahua-bench-'))
  mkdirSync(join(dir, 'node_modules', '@redcam'), { recursive: true })
  symlinkSync(join(__dirname, '..', '..'), join(dir, 'node_modules', '@redcam', 'node-red-dahua'), 'dir')
  const flow: object[] = [{ id: 'tab', type: 'tab', label: 'bench' }]
  const credentials: Record<string, object> = {}
  ports.forEach((port, i) => {
    flow.push({
      id: `cam${i}`,
      type: 'dahua-camera',
      host: '127.0.0.1',
      port,
      protocol: 'http',
      verifyTls: true,
      heartbeat: 5,
    })
    flow.push({
      id: `ev${i}`,
      type: 'dahua-event-in',
      z: 'tab',
      camera: `cam${i}`,
      codes: '',
      channels: '',
      actions: '',
      wires: [[`sink${i}`]],
    })
    // A downstream node that does nothing: what is measured is getting each event to it.
    flow.push({ id: `sink${i}`, type: 'junction', z: 'tab', wires: [] })
    credentials[`cam${i}`] = { username: 'admin', password: 'bench' }
  })
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(flow))
  writeFileSync(join(dir, 'flows_cred.json'), JSON.stringify(credentials))
  return dir
}

function runtime(ports: number[]): Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as Runtime
  RED.init(http.createServer(), {
    userDir: userDir(ports),
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: 'off' } },
  })
  return RED
}

async function e2e(): Promise<void> {
  const total = 200_000
  const RED = runtime(await startSims(1, 'blast', total))
  let received = 0
  let first = 0
  const done = new Promise<number>((resolve) => {
    RED.hooks.add('onReceive.bench', (event) => {
      if (event.destination.id !== 'sink0') {
        return
      }
      if (received++ === 0) {
        first = performance.now()
      }
      if (event.msg.payload.code === 'BenchEnd') {
        resolve(performance.now() - first)
      }
    })
  })
  await RED.start()
  const ms = await done
  console.log('\n## End to end in a real Node-RED (simulator socket -> dahua-event-in -> downstream node)')
  console.log(
    `${received.toLocaleString('en')} messages in ${ms.toFixed(0)} ms: ${Math.round(received / (ms / 1000)).toLocaleString('en')} events/s (aim: 50,000)`,
  )
}

async function cameras(): Promise<void> {
  const count = 100
  const ports = await startSims(count, 'idle')
  const RED = runtime(ports)
  let messages = 0
  RED.hooks.add('onReceive.bench', (event) => {
    if (event.destination.id.startsWith('sink')) {
      messages++
    }
  })
  global.gc?.()
  const bare = process.memoryUsage().rss
  await RED.start()
  await new Promise((resolve) => setTimeout(resolve, 5_000)) // all attached and steady
  messages = 0
  const cpuStart = process.cpuUsage()
  const wallStart = performance.now()
  await new Promise((resolve) => setTimeout(resolve, 30_000))
  const cpu = process.cpuUsage(cpuStart)
  const wall = performance.now() - wallStart
  global.gc?.()
  const loaded = process.memoryUsage().rss
  const cpuShare = ((cpu.user + cpu.system) / 1000 / wall) * 100
  console.log(
    `\n## ${count} simulated cameras on one Node-RED (each: heartbeat 5 s, one motion event a second; 30 s)`,
  )
  console.log(`messages delivered: ${messages} (${(messages / (wall / 1000)).toFixed(0)}/s)`)
  console.log(
    `RSS: ${(bare / 1048576).toFixed(0)} MB for Node-RED before its flows start, ${(loaded / 1048576).toFixed(0)} MB with ${count} cameras streaming: ${((loaded - bare) / 1024 / count).toFixed(0)} KB per camera`,
  )
  console.log(
    `CPU: ${cpuShare.toFixed(1)} % of one core for all ${count}, ${(cpuShare / count).toFixed(3)} % per camera`,
  )
}

const which = process.argv[2]
void (which === 'e2e' ? e2e() : cameras()).then(() => process.exit(0))
