// The camera simulator as a child process, for the tests that put it in a network namespace of its own: netns.ts
// starts it with `ip netns exec <namespace> node netns-sim.js <host> <password> <connection>` and drives it over the
// IPC channel (send a numbered event, stop or start listening); it reports each attach. It ends with its parent.
import { CameraSimulator } from '../../src/sim/camera-simulator'
import { numbered, type Command, type Counts, type Report } from './netns'

function report(message: Report): void {
  process.send?.(message)
}

async function main(): Promise<void> {
  const [host, password, connection] = process.argv.slice(2)
  const sim = new CameraSimulator({
    host: host ?? '127.0.0.1',
    password: password ?? 'admin',
    connection: connection === 'close' ? 'close' : 'keep-alive',
  })
  const counts = (): Counts => ({ attaches: sim.attaches, openStreams: sim.openStreams })
  sim.on('attach', () => report({ attached: sim.attaches }))
  process.on('message', (command: Command) => {
    const run = async (): Promise<void> => {
      if (command.op === 'send') {
        sim.send(numbered(command.n))
      } else {
        // Not listening: a connection is refused with RST, as by a camera whose web server is not up yet.
        await sim.refuseConnections(!command.on)
      }
    }
    run().then(
      () => report({ id: command.id, ...counts() }),
      (err: unknown) => report({ id: command.id, ...counts(), error: String(err) }),
    )
  })
  // The test process ended or let go of it: nothing else would ever stop it.
  process.on('disconnect', () => process.exit(0))
  report({ listening: await sim.listen(0) })
}

main().catch((err: unknown) => {
  report({ failed: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
