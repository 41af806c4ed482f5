// The simulator the client and flow suites run against. `npm test` runs them twice: with connections kept
// alive (the simulator's default, as an HTTP/1.1 server and every reverse proxy do) and with
// DAHUA_SIM_CONNECTION=close, as many cameras answer.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CameraSimulator, type SimulatorOptions } from '../../src/sim/camera-simulator'

export const connection: 'keep-alive' | 'close' =
  process.env.DAHUA_SIM_CONNECTION === 'close' ? 'close' : 'keep-alive'

/**
 * Ports earlier simulators of this run listened on. The runtime remembers each camera by host and port (its
 * login budget, whether it did Digest), as it should for a real camera; a new simulator on a port the kernel
 * hands out again would inherit that memory, so each one gets a port of its own.
 */
const usedPorts = new Set<number>()

export function simulator(options: SimulatorOptions = {}): CameraSimulator {
  const sim = new CameraSimulator({ connection, ...options })
  const listen = sim.listen.bind(sim)
  let first = true
  sim.listen = async (port?: number) => {
    if (!first || options.port || port) {
      return listen(port)
    }
    first = false
    for (;;) {
      const got = await listen(0)
      if (!usedPorts.has(got)) {
        usedPorts.add(got)
        return got
      }
      await sim.close() // taken before in this run: listen again elsewhere
    }
  }
  return sim
}

/** A self-signed key and certificate for 127.0.0.1 (test/fixtures/tls), for a simulator that serves https. */
export function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls')
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
}
