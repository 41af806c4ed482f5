// `npm run bench:outages` (root, ip netns; about 15 minutes): what an outage of each length costs with the default
// timing (heartbeat 5 s), in network namespaces (test/helpers/netns.ts: a silent blackhole both ways). The camera
// sends a numbered event every 0.5 s before, during and for 200 s after it. Prints what it saw; asserts nothing.
import { Device } from '../src/lib/device'
import { FaultyPath, NetnsCamera, namespacesForbidden, numberOf } from '../test/helpers/netns'

const PASSWORD = 'bench-outage'
const pass = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function outage(path: FaultyPath, outageMs: number): Promise<void> {
  const camera = await NetnsCamera.start(path, PASSWORD)
  const device = new Device({
    address: { host: path.cameraIp, port: camera.port, protocol: 'http', verifyTls: true },
    credentials: { username: 'admin', password: PASSWORD },
    heartbeatSeconds: 5,
  })
  const got: Array<{ n: number; late: boolean }> = []
  device.stream.on('event', (event) => {
    const n = numberOf(event)
    if (n !== undefined) got.push({ n, late: event.late === true })
  })
  device.stream.start()
  while (device.stream.state.state !== 'connected') await pass(50)
  let sent = 0
  const tick = async (): Promise<void> => {
    await camera.send(++sent)
    await pass(500)
  }
  for (let i = 0; i < 10; i++) await tick()
  await path.blackhole()
  const cut = sent
  for (const end = Date.now() + outageMs; Date.now() < end;) await tick()
  await path.restore()
  const restored = sent
  // Longer than the late window (3 min after the stall): whatever comes later is lost.
  for (const end = Date.now() + 200_000; Date.now() < end;) await tick()
  await pass(3_000)
  const seen = new Map<number, number>()
  for (const { n } of got) seen.set(n, (seen.get(n) ?? 0) + 1)
  const lost = [...Array(sent).keys()].map((i) => i + 1).filter((n) => !seen.has(n))
  const doubled = [...seen.values()].filter((count) => count > 1).length
  console.log(
    `outage ${outageMs / 1000} s: ${restored - cut} events sent during it, ${got.filter((g) => g.late).length} ` +
      `delivered late, ${lost.length} lost (of ${sent}), ${doubled} doubled`,
  )
  await device.close()
  await camera.stop()
}

async function main(): Promise<void> {
  const forbidden = await namespacesForbidden()
  if (forbidden) {
    console.log(`not measured: ${forbidden}`)
    return
  }
  const path = await FaultyPath.make()
  console.log('\n## What an outage costs (network namespaces, heartbeat 5 s, an event every 0.5 s)')
  try {
    for (const seconds of [20, 60, 90]) await outage(path, seconds * 1000)
  } finally {
    await path.remove()
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
