// `npm run bench`: prints the figures of issues 2, 8 and 18. Nothing here asserts; it measures and says what it saw.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { detectionOf } from '../src/lib/stream/detection'
import { decodeEventBody } from '../src/lib/stream/event-body'
import { createMultipartParser } from '../src/lib/stream/multipart'
import type { Device as Client } from '../src/lib/device'
import type { CameraSimulator as Simulator } from '../src/sim/camera-simulator'
import { mixedStream } from './stream'
import type * as Process from '../test/helpers/process'

const READ = 64 * 1024

function chunksOf(buffer: Buffer): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < buffer.length; at += READ) {
    chunks.push(buffer.subarray(at, at + READ))
  }
  return chunks
}

/** `detections`: also what each event saw, as the event node reads it (detection.ts). */
function ours(chunks: Buffer[], detections = false): number {
  let events = 0
  const parser = createMultipartParser({
    onPart(body) {
      const decoded = decodeEventBody(body)
      if (decoded.kind === 'events') {
        events += decoded.events.length
        if (detections) {
          decoded.events.forEach(detectionOf)
        }
      }
    },
  })
  for (const chunk of chunks) {
    parser.feed(chunk)
  }
  return events
}

/** The work no parser avoids: find each boundary with indexOf and JSON.parse each data block. */
function floor(buffer: Buffer): number {
  const boundary = Buffer.from('--myboundary')
  let events = 0
  let at = buffer.indexOf(boundary)
  while (at >= 0) {
    const next = buffer.indexOf(boundary, at + boundary.length)
    const end = next < 0 ? buffer.length : next
    const data = buffer.indexOf(';data=', at)
    if (data >= 0 && data < end) {
      JSON.parse(buffer.toString('utf8', data + 6, end))
    }
    events++
    at = next
  }
  return events
}

function best(run: () => number): { ms: number; result: number } {
  const start = process.hrtime.bigint()
  const result = run()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result }
}

/** In a process of its own that loads only the parser: the figure is the parser's, not the neighbours' heap. */
function parserFigures(): void {
  const { buffer, events } = mixedStream(40_000)
  const chunks = chunksOf(buffer)
  const mb = buffer.length / 1024 / 1024
  let a = { ms: Infinity, result: 0 }
  let b = { ms: Infinity, result: 0 }
  let c = { ms: Infinity, result: 0 }
  // Interleaved, so that all see the same heap and JIT state; best of 9 each after a warm-up round.
  for (let round = 0; round < 10; round++) {
    const x = best(() => ours(chunks))
    const y = best(() => floor(buffer))
    const z = best(() => ours(chunks, true))
    if (round > 0) {
      a = x.ms < a.ms ? x : a
      b = y.ms < b.ms ? y : b
      c = z.ms < c.ms ? z : c
    }
  }
  console.log('\n## Parser (mixed stream, 64 KB reads; best of 9, interleaved with the floor)')
  console.log(
    `stream: ${mb.toFixed(1)} MB, ${events} events (${events * 0.4} IVS parts of 1-4 KB), heartbeats`,
  )
  console.log(
    `framer + decoder: ${(mb / (a.ms / 1000)).toFixed(0)} MB/s, ${Math.round(a.result / (a.ms / 1000)).toLocaleString('en')} events/s`,
  )
  console.log(`floor (indexOf + JSON.parse): ${(mb / (b.ms / 1000)).toFixed(0)} MB/s`)
  console.log(`ours / floor: ${((b.ms / a.ms) * 100).toFixed(0)} % of the floor's throughput (aim: 70 %)`)
  console.log(
    `with each event's detection read: ${(mb / (c.ms / 1000)).toFixed(0)} MB/s, ${((b.ms / c.ms) * 100).toFixed(0)} % of the floor`,
  )
}

async function reconnectGap(): Promise<void> {
  // Loaded here, not at the top: the parser's process must not load urllib.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Device } = require('../src/lib/device') as { Device: typeof Client }
  const { CameraSimulator } = require('../src/sim/camera-simulator') as { CameraSimulator: typeof Simulator }
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sim = new CameraSimulator({ password: 'bench', heartbeatMs: 100 })
  const port = await sim.listen()
  const client = new Device({
    address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
    credentials: { username: 'admin', password: 'bench' },
    heartbeatSeconds: 1,
    timing: { healthyAfterMs: 300 },
  })
  client.stream.start()
  await new Promise<void>((resolve) => sim.once('attach', () => resolve()))
  const gaps: number[] = []
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 400))
    const dropped = performance.now()
    const attached = new Promise<void>((resolve) => sim.once('attach', () => resolve()))
    sim.drop()
    await attached
    gaps.push(performance.now() - dropped)
  }
  await client.close()
  await sim.close()
  gaps.sort((a, b) => a - b)
  console.log('\n## Gap between the camera dropping a healthy stream and the new attach (loopback, 30 drops)')
  console.log(
    `median ${gaps[15]!.toFixed(1)} ms, p90 ${gaps[27]!.toFixed(1)} ms, max ${gaps[29]!.toFixed(1)} ms (aim: under 100 ms; includes the digest challenge round trip)`,
  )
}

async function reconnectAfterRestore(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Device } = require('../src/lib/device') as { Device: typeof Client }
  const { CameraSimulator } = require('../src/sim/camera-simulator') as { CameraSimulator: typeof Simulator }
  /* eslint-enable @typescript-eslint/no-require-imports */
  // A reboot: connections refused for 35 s, by when the retry backoff (default timing) has reached its cap, then
  // the camera listens again. Six cameras at once, each listening again 5 s after the one before, so that the
  // figure covers the moments of the client's wait rather than one (network-faults.md 2, issue 17).
  const cameras = 6
  const refusedMs = 35_000
  const staggerMs = 5_000
  const sims = Array.from(
    { length: cameras },
    () => new CameraSimulator({ password: 'bench', heartbeatMs: 100 }),
  )
  const clients = await Promise.all(
    sims.map(async (sim) => {
      const port = await sim.listen()
      const client = new Device({
        address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
        credentials: { username: 'admin', password: 'bench' },
        heartbeatSeconds: 1,
      })
      const attached = new Promise<void>((resolve) => sim.once('attach', () => resolve()))
      client.stream.start()
      await attached
      return client
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, 3_500)) // healthy streams, past healthyAfterMs
  await Promise.all(sims.map((sim) => sim.refuseConnections(true)))
  const gaps = await Promise.all(
    sims.map(async (sim, i) => {
      await new Promise((resolve) => setTimeout(resolve, refusedMs + i * staggerMs))
      const attached = new Promise<void>((resolve) => sim.once('attach', () => resolve()))
      await sim.refuseConnections(false)
      const listening = performance.now()
      await attached
      return performance.now() - listening
    }),
  )
  await Promise.all(clients.map((client) => client.close()))
  await Promise.all(sims.map((sim) => sim.close()))
  gaps.sort((a, b) => a - b)
  console.log(
    `\n## Reconnect after restore: from a rebooted camera listening again to the new attach (loopback, ${cameras} cameras refused for ${refusedMs / 1000}-${(refusedMs + (cameras - 1) * staggerMs) / 1000} s)`,
  )
  console.log(
    `median ${(gaps[cameras / 2]! / 1000).toFixed(1)} s, max ${(gaps.at(-1)! / 1000).toFixed(1)} s (the backoff at its cap; aim: within a few seconds, issue 17)`,
  )
}

function inChild(script: string, figure: string): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', script, figure], { stdio: 'inherit' })
  return new Promise((resolve) => child.on('exit', () => resolve()))
}

function percentiles(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`
}

async function reconcileAndSnapshot(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Device } = require('../src/lib/device') as { Device: typeof Client }
  const { CameraSimulator } = require('../src/sim/camera-simulator') as { CameraSimulator: typeof Simulator }
  /* eslint-enable @typescript-eslint/no-require-imports */
  // A recorder: several channels to take pictures of, and an endpoint that tracks every code below.
  const sim = new CameraSimulator({
    profile: 'nvr16',
    password: 'bench',
    heartbeatMs: 100,
    snapshotDelayMs: 0,
  })
  const port = await sim.listen()
  const client = new Device({
    address: { host: '127.0.0.1', port, protocol: 'http', verifyTls: true },
    credentials: { username: 'admin', password: 'bench' },
    heartbeatSeconds: 1,
    timing: { healthyAfterMs: 100 },
  })
  const codes = [
    'VideoMotion',
    'SmartMotionHuman',
    'SmartMotionVehicle',
    'CrossLineDetection',
    'CrossRegionDetection',
    'AlarmLocal',
    'VideoBlind',
    'AudioMutation',
  ]
  const reconciled: number[] = []
  let connectedAt = 0
  let pending = 0
  let settled: (() => void) | undefined
  client.stream.on('state', (s) => {
    if (s.state === 'connected') {
      connectedAt = performance.now()
    }
  })
  client.stream.on('event', (e) => {
    if (e.reconciled && --pending === 0) {
      reconciled.push(performance.now() - connectedAt)
      settled?.()
    }
  })
  client.stream.start()
  await new Promise<void>((resolve) => sim.once('attach', () => resolve()))
  for (let round = 0; round < 10; round++) {
    // Every code active on channel 1, learnt by the client; then an outage in which all of them end.
    for (const code of codes) {
      sim.send({ code, action: 'Start', index: 0 })
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    pending = codes.length
    const done = new Promise<void>((resolve) => (settled = resolve))
    await sim.refuseConnections(true)
    for (const code of codes) {
      sim.setActive(code, 0, false)
    }
    await sim.refuseConnections(false)
    await done
  }
  const snapshots: number[] = []
  for (let i = 0; i < 50; i++) {
    const start = performance.now()
    await client.snapshot(1 + (i % 4))
    snapshots.push(performance.now() - start)
  }
  // Control calls through the same session (the tables each needs already learnt by its first call).
  const controls: Record<string, number[]> = { 'motion-detection': [], siren: [], 'alarm-output': [] }
  for (const action of Object.keys(controls)) {
    for (let i = 0; i < 51; i++) {
      const start = performance.now()
      await client.control.run({
        action: action as 'siren',
        channel: 1 + (i % 4),
        value: { kind: 'switch', on: i % 2 === 0 },
        ...(action === 'alarm-output'
          ? { value: { kind: 'relay', mode: i % 2 === 0 ? 'on' : 'off' }, output: 1 }
          : {}),
      })
      if (i > 0) controls[action]!.push(performance.now() - start)
    }
  }
  const burstStart = performance.now()
  const writesBefore = sim.device.writes
  await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      client.control.run({
        action: 'motion-detection',
        channel: 1,
        value: { kind: 'switch', on: i % 2 === 0 },
      }),
    ),
  )
  const burstMs = performance.now() - burstStart
  const burstWrites = sim.device.writes - writesBefore
  await client.close()
  await sim.close()
  console.log(
    '\n## Latency of a control call, read-back included (dahua-control; loopback simulator, digest login, 50 calls each)',
  )
  for (const [action, times] of Object.entries(controls)) {
    console.log(
      `${action}: ${percentiles(times)} (the write and its read-back${action === 'alarm-output' ? ', getOutState' : ''})`,
    )
  }
  console.log(
    `1000 messages at once for one setting: ${burstWrites} writes reached the device, all answered in ${burstMs.toFixed(0)} ms`,
  )
  console.log(
    `\n## From re-attach to reconciled state (${codes.length} codes, all ended during an outage; 10 outages)`,
  )
  console.log(
    `${percentiles(reconciled)} from the 200 of the new attach to the last reconciled Stop (loopback; 2 calls at a time)`,
  )
  console.log(
    '\n## Latency a snapshot adds to a Start (snapshot.cgi round trip with digest login, loopback simulator, 50 fetches)',
  )
  console.log(`${percentiles(snapshots)} (a real camera adds its own JPEG encoding time)`)
}

/**
 * Finding 1 of security-2026-12.md: 1,000 `light` messages over 1,000 channels to one control node, against a
 * device that answers every configuration table at the package's own limit, in Node-RED's CLI with a 256 MiB
 * heap (as on a small Raspberry Pi). Its peak RSS, how long until every message was answered or refused, and
 * how slowly the admin API answered meanwhile (asked every 250 ms).
 */
async function controlBurst(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { CameraSimulator } = require('../src/sim/camera-simulator') as { CameraSimulator: typeof Simulator }
  const { MAX_CONFIG_ANSWER_BYTES } = require('../src/lib/limits') as { MAX_CONFIG_ANSWER_BYTES: number }
  const { PASSWORD } = require('../test/helpers/flows') as { PASSWORD: string }
  const red = require('../test/helpers/process') as typeof Process
  /* eslint-enable @typescript-eslint/no-require-imports */
  const n = 1000
  const sim = new CameraSimulator({
    password: PASSWORD,
    answerBytes: { config: MAX_CONFIG_ANSWER_BYTES - 1024 },
  })
  const port = await sim.listen()
  const nodeRed = await red.startNodeRed(red.controlBurstFlow(port), { heapMiB: 256 })
  const tally = async (): Promise<number> => {
    const res = await fetch(`${nodeRed.api}/burst`).catch(() => undefined)
    const { answered = 0, refused = 0 } =
      ((await res?.json().catch(() => undefined)) as Record<string, number> | undefined) ?? {}
    return answered + refused
  }
  while ((await fetch(`${nodeRed.api}/settings`).catch(() => undefined))?.ok !== true) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const before = nodeRed.rssMiB()
  const start = performance.now()
  await fetch(`${nodeRed.api}/burst?n=${n}`, { method: 'POST' })
  let slowest = 0
  let finished = 0
  let peak = before
  let ended = false
  while (finished < n && !ended && performance.now() - start < 300_000) {
    try {
      peak = nodeRed.peakMiB()
    } catch {
      ended = true // its /proc entry is gone
    }
    const asked = performance.now()
    const answered = await fetch(`${nodeRed.api}/settings`, { signal: AbortSignal.timeout(30_000) }).catch(
      () => undefined,
    )
    slowest = Math.max(slowest, answered?.ok ? performance.now() - asked : 30_000)
    finished = await tally()
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const ms = performance.now() - start
  ended ||= nodeRed.child.exitCode !== null
  nodeRed.cleanup()
  await sim.close()
  console.log(
    `\n## ${n.toLocaleString('en')} control messages for different settings (light, one channel each) against tables at the ${MAX_CONFIG_ANSWER_BYTES / 1024} KiB answer limit (Node-RED CLI, 256 MiB heap; RSS ${before.toFixed(0)} MB before)`,
  )
  console.log(
    ended
      ? `Node-RED ENDED after ${(ms / 1000).toFixed(1)} s (peak RSS seen ${peak.toFixed(0)} MB) with ${finished} of ${n} finished`
      : `peak RSS ${peak.toFixed(0)} MB; ${finished} of ${n} answered or refused in ${(ms / 1000).toFixed(1)} s; admin API slowest ${slowest.toFixed(0)} ms (goal: under 400 MB and 1000 ms)`,
  )
}

async function main(): Promise<void> {
  if (process.argv[2] === 'parser') {
    parserFigures()
    return
  }
  if (process.argv[2] === 'control-burst') {
    await controlBurst() // alone: node .build/bench/run.js control-burst
    return
  }
  console.log(`# npm run bench (${process.version}, ${process.platform}/${process.arch})`)
  await inChild(__filename, 'parser')
  await reconnectGap()
  await reconnectAfterRestore()
  await reconcileAndSnapshot()
  await inChild(join(__dirname, 'nodered.js'), 'e2e')
  await inChild(join(__dirname, 'nodered.js'), 'cameras')
  await inChild(join(__dirname, 'nodered.js'), 'hostile')
  await controlBurst()
}

void main().then(() => process.exit(0))
