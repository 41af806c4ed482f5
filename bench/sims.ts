// Simulated cameras for the benchmark, in their own process so that their CPU and memory are not counted as
// the Node-RED side's. Usage: node sims.js <count> <mode>; prints the ports as JSON, then serves until killed.
//   mode `idle`: heartbeats every 5 s and one motion event per second per camera, spread over the second, each
//     stamped with when it was written (`data.SentAt`, ms since the epoch) for the latency figure.
//   mode `blast`: on attach, writes <events> mixed parts as fast as the socket takes them, then `BenchEnd`.
//   mode `hostile`: one camera that, once attached, plays each hostile input of issue 8 for <events> seconds,
//     printing `phase <name>` as each begins and `end` after the last.
import { CameraSimulator } from '../src/sim/camera-simulator'
import {
  deepEvent,
  endlessMarkerLine,
  newChannelStart,
  newCodeStart,
  newRuleDetection,
  wideObjectEvent,
} from '../src/sim/hostile'
import { mixedStream } from './stream'

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes `part(n)` for n = 0, 1, ... for `seconds`, yielding often so that the sockets drain. */
async function flood(
  sim: CameraSimulator,
  seconds: number,
  part: (n: number) => string | Buffer,
): Promise<void> {
  const end = Date.now() + seconds * 1000
  for (let n = 0; Date.now() < end; n++) {
    sim.sendRaw(part(n))
    if (n % 50 === 0) {
      await pause(1)
    }
  }
}

async function hostile(sim: CameraSimulator, seconds: number): Promise<void> {
  const phases: Array<[string, () => Promise<void>]> = [
    [
      'a boundary line that never ends',
      () => flood(sim, seconds, () => endlessMarkerLine(64 * 1024).subarray(2)),
    ],
    ['data nested 5000 deep', () => flood(sim, seconds, () => deepEvent(5_000))],
    ['Starts of ever new codes', () => flood(sim, seconds, (n) => newCodeStart(n))],
    ['Starts on ever new channels', () => flood(sim, seconds, (n) => newChannelStart(n % 100_000))],
    ['detections of ever new rules', () => flood(sim, seconds, (n) => newRuleDetection(n))],
    ['detections whose object has 60,000 keys', () => flood(sim, seconds, () => wideObjectEvent(60_000))],
    [
      'a 1 GiB snapshot and a 100 MB getEventIndexes per Start, re-attaching every second',
      async () => {
        const end = Date.now() + seconds * 1000
        for (let n = 0; Date.now() < end; n++) {
          sim.send({ code: `Fresh${n % 100}`, action: 'Start', index: n % 16 })
          await pause(20)
          if (n % 50 === 49) {
            sim.drop()
          }
        }
      },
    ],
  ]
  for (const [name, run] of phases) {
    process.stdout.write(`phase ${name}\n`)
    await run()
  }
  process.stdout.write('end\n')
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1)
  const mode = process.argv[3] ?? 'idle'
  const events = Number(process.argv[4] ?? 200_000)
  const sims: CameraSimulator[] = []
  for (let i = 0; i < count; i++) {
    const sim = new CameraSimulator({
      password: 'bench',
      ...(mode === 'hostile'
        ? { profile: 'nvr16', answerBytes: { snapshot: 1024 ** 3, indexes: 100 * 1024 ** 2 } }
        : {}),
    })
    await sim.listen()
    sims.push(sim)
  }
  if (mode === 'idle') {
    sims.forEach((sim, i) => {
      setTimeout(
        () =>
          setInterval(() => {
            sim.send({
              code: 'VideoMotion',
              action: 'Start',
              index: 0,
              data: {
                RegionName: ['Region1'],
                SmartMotionEnable: true,
                SentAt: performance.timeOrigin + performance.now(),
              },
            })
          }, 1_000),
        (i * 1000) / count,
      )
    })
  } else if (mode === 'hostile') {
    sims[0]!.once('attach', () => void hostile(sims[0]!, events))
  } else {
    const { buffer } = mixedStream(events)
    for (const sim of sims) {
      sim.on('attach', () => {
        setTimeout(() => {
          sim.sendRaw(buffer)
          sim.send({ code: 'BenchEnd', action: 'Pulse', index: 0 })
        }, 200)
      })
    }
  }
  process.stdout.write(`${JSON.stringify(sims.map((s) => s.port))}\n`)
}

void main()
