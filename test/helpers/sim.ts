// The simulator the client and flow suites run against. `npm test` runs them twice: with connections kept
// alive (the simulator's default, as an HTTP/1.1 server and every reverse proxy do) and with
// DAHUA_SIM_CONNECTION=close, as many cameras answer.
import { CameraSimulator, type SimulatorOptions } from '../../src/sim/camera-simulator'

export const connection: 'keep-alive' | 'close' =
  process.env.DAHUA_SIM_CONNECTION === 'close' ? 'close' : 'keep-alive'

export function simulator(options: SimulatorOptions = {}): CameraSimulator {
  return new CameraSimulator({ connection, ...options })
}
