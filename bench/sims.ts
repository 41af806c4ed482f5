// Simulated cameras for the benchmark, in their own process so that their CPU and memory are not counted as
// the Node-RED side's. Usage: node sims.js <count> <mode>; prints the ports as JSON, then serves until killed.
//   mode `idle`: heartbeats every 5 s and one motion event per second per camera.
//   mode `blast`: on attach, writes <events> mixed parts as fast as the socket takes them, then `BenchEnd`.
import { CameraSimulator } from '../src/sim/camera-simulator'
import { mixedStream } from './stream'

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1)
  const mode = process.argv[3] ?? 'idle'
  const events = Number(process.argv[4] ?? 200_000)
  const sims: CameraSimulator[] = []
  for (let i = 0; i < count; i++) {
    const sim = new CameraSimulator({ password: 'bench' })
    await sim.listen()
    sims.push(sim)
  }
  if (mode === 'idle') {
    setInterval(() => {
      for (const sim of sims) {
        sim.send({
          code: 'VideoMotion',
          action: 'Start',
          index: 0,
          data: { RegionName: ['Region1'], SmartMotionEnable: true },
        })
      }
    }, 1_000)
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
