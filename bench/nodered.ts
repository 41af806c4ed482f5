// One Node-RED figure, in a process of its own with a real embedded runtime (no test-helper spies), so that
// its speed and memory are this package's and Node-RED's alone. Usage: node nodered.js e2e|cameras|hostile
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
      hook: (event: {
        destination: { id: string }
        msg: { payload: { code: string; data?: { SentAt?: number } } }
      }) => void,
    ): void
  }
}

/** Starts the simulators' process; its ports, and every later line it prints (`phase ...`). */
function startSims(
  count: number,
  mode: string,
  events = 0,
  onLine: (line: string) => void = () => undefined,
): Promise<number[]> {
  const child = spawn(process.execPath, [join(__dirname, 'sims.js'), String(count), mode, String(events)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  process.on('exit', () => child.kill())
  return new Promise((resolve) => {
    let out = ''
    let ports = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      let eol = out.indexOf('\n')
      while (eol >= 0) {
        const line = out.slice(0, eol)
        out = out.slice(eol + 1)
        if (!ports) {
          ports = true
          resolve(JSON.parse(line) as number[])
        } else {
          onLine(line)
        }
        eol = out.indexOf('\n')
      }
    })
  })
}

function userDir(ports: number[], snapshot = false): string {
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
      ...(snapshot ? { snapshot: true, snapshotTimeout: 2 } : {}),
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

function runtime(ports: number[], server?: http.Server): Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as Runtime & { httpAdmin: http.RequestListener }
  RED.init(server ?? http.createServer(), {
    userDir: userDir(ports, server !== undefined),
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: server ? '/' : false,
    httpNodeRoot: false,
    logging: { console: { level: 'off' } },
  })
  server?.on('request', RED.httpAdmin)
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
  const count = 500
  const ports = await startSims(count, 'idle')
  const RED = runtime(ports)
  let messages = 0
  const latencies: number[] = []
  RED.hooks.add('onReceive.bench', (event) => {
    if (event.destination.id.startsWith('sink')) {
      messages++
      const sentAt = event.msg.payload.data?.SentAt
      if (sentAt !== undefined) {
        latencies.push(performance.timeOrigin + performance.now() - sentAt)
      }
    }
  })
  global.gc?.()
  const bare = process.memoryUsage().rss
  await RED.start()
  await new Promise((resolve) => setTimeout(resolve, 10_000)) // all attached and steady
  messages = 0
  latencies.length = 0
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
  latencies.sort((a, b) => a - b)
  const at = (q: number): string => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2)
  console.log(
    `latency from the camera's write to the downstream node: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (${latencies.length} events)`,
  )
}

/**
 * One hostile camera (sims.js `hostile`) against Node-RED with its admin API up: the peak RSS in each phase, and
 * how long the admin API takes to answer the camera's seen-codes list while it runs (asked every 250 ms).
 */
async function hostile(): Promise<void> {
  const seconds = 10
  const phases: Array<{ name: string; peak: number; slowest: number; answers: number }> = []
  let ended!: () => void
  const done = new Promise<void>((resolve) => (ended = resolve))
  const ports = await startSims(1, 'hostile', seconds, (line) => {
    if (line.startsWith('phase ')) {
      phases.push({ name: line.slice(6), peak: 0, slowest: 0, answers: 0 })
    } else if (line === 'end') {
      ended()
    }
  })
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const admin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const RED = runtime(ports, server)
  global.gc?.()
  const bare = process.memoryUsage().rss
  await RED.start()
  const sample = setInterval(() => {
    const phase = phases.at(-1)
    if (phase) {
      phase.peak = Math.max(phase.peak, process.memoryUsage().rss)
    }
  }, 50)
  let asking = true
  const ask = async (): Promise<void> => {
    while (asking) {
      const start = performance.now()
      await fetch(`${admin}/dahua-camera/cam0/seen`).then((res) => res.arrayBuffer())
      const phase = phases.at(-1)
      if (phase) {
        phase.slowest = Math.max(phase.slowest, performance.now() - start)
        phase.answers++
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  const asked = ask()
  await done
  asking = false
  await asked
  clearInterval(sample)
  console.log(
    `\n## One hostile camera against Node-RED (${seconds} s per input; RSS ${(bare / 1048576).toFixed(0)} MB before the flows start)`,
  )
  for (const phase of phases) {
    console.log(
      `${phase.name}: peak RSS ${(phase.peak / 1048576).toFixed(0)} MB; admin API slowest ${phase.slowest.toFixed(0)} ms of ${phase.answers} answers (goal: under 400 MB and 1000 ms)`,
    )
  }
}

const which = process.argv[2]
void (which === 'e2e' ? e2e() : which === 'hostile' ? hostile() : cameras()).then(() => process.exit(0))
