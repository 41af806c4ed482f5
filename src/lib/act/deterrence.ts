// SPDX-License-Identifier: Apache-2.0
// The siren (Type 2) and the red/blue warning light (Type 1) of coaxial "active deterrence" outputs, over CGI
// (`coaxialControlIO.cgi`) or, where the CGI answers 501 or 400 and the device speaks RPC2, over
// `CoaxialControlIO.*` (real-devices-acting.md 1 and 2; docs/devices.md, siren and warning light).

import { ControlError } from './control-error'
import type { ControlRequest } from './controls'
import type { Table, Transport } from './transport'

type Output = 'Speaker' | 'WhiteLight'

/** How one channel's outputs are reached, learned once per channel. */
interface Route {
  via: 'cgi' | 'rpc2'
  /** The `channel=` of control and status calls: see route(). */
  control: number
  status: number
  /** A recorder cannot say which of its cameras has the hardware (it answers status for all, [RT]). */
  recorder: boolean
  /** The outputs this channel says it has (RPC2 caps, or the CGI status keys). */
  outputs: Set<Output>
}

export class Deterrence {
  private readonly routes = new Map<number, Promise<Route | undefined>>()
  /** By which transport each channel's outputs were found (the device report says so), one per channel. */
  readonly via = new Map<number, 'cgi' | 'rpc2'>()

  constructor(private readonly transport: Transport) {}

  /** The outputs of a channel, or undefined when it has none; `recorder`: the device cannot vouch for them. */
  async outputs(channel: number): Promise<{ outputs: Set<Output>; recorder: boolean } | undefined> {
    const route = await this.route(channel)
    return route && { outputs: route.outputs, recorder: route.recorder }
  }

  /**
   * Switches the output, then reads it back: a write the device answered OK but did not apply is a failure
   * ('not-applied'), and a state it could not read is said as unverified.
   */
  async set(request: ControlRequest, on: boolean): Promise<boolean | 'unverified'> {
    const output: Output = request.action === 'siren' ? 'Speaker' : 'WhiteLight'
    const route = await this.route(request.channel)
    if (!route || (!route.recorder && !route.outputs.has(output))) {
      throw new ControlError('unsupported', { action: request.action })
    }
    await this.sendVia(request, route, output, on)
    const now = await this.transport.readBack(() => this.read(route, output))
    if (now === undefined) return 'unverified'
    if (now !== on) {
      throw new ControlError('not-applied', { action: request.action, state: now ? 'on' : 'off' })
    }
    return now
  }

  /** The write alone (a siren's repeats, a timed revert): what the device then is, the next message reads. */
  async send(request: ControlRequest, on: boolean): Promise<void> {
    const route = await this.route(request.channel)
    if (!route) throw new ControlError('unsupported', { action: request.action })
    await this.sendVia(request, route, request.action === 'siren' ? 'Speaker' : 'WhiteLight', on)
  }

  private async sendVia(request: ControlRequest, r: Route, output: Output, on: boolean): Promise<void> {
    const type = output === 'Speaker' ? 2 : 1
    if (r.via === 'rpc2') {
      // [RR2], [IPM] coaxialcontrolio.go: TriggerMode 2 is what both send.
      const answer = await this.transport.rpc2('CoaxialControlIO.control', {
        channel: r.control,
        info: [{ Type: type, IO: on ? 1 : 2, TriggerMode: 2 }],
      })
      if (!answer) throw new ControlError('refused', { action: request.action })
      return
    }
    // A recorder drives its cameras' outputs only with TriggerMode=2 (acting-and-doors.md §1 row 2).
    const trigger = r.recorder ? '&info[0].TriggerMode=2' : ''
    await this.transport.write(
      request,
      `/cgi-bin/coaxialControlIO.cgi?action=control&channel=${r.control}&info[0].Type=${type}&info[0].IO=${on ? 1 : 2}${trigger}`,
    )
  }

  private async read(route: Route, output: Output): Promise<boolean | undefined> {
    const status =
      route.via === 'rpc2'
        ? statusOf(
            (await this.transport.rpc2('CoaxialControlIO.getStatus', { channel: route.status }))?.params,
          )
        : await this.transport.read(`/cgi-bin/coaxialControlIO.cgi?action=getStatus&channel=${route.status}`)
    const value = status && field(status, output)
    return value === undefined ? undefined : /^on$/i.test(value)
  }

  /**
   * - Recorder: control and status both take the camera's 1-based number (rr PR#611 on an NVR4116HS-8P-EI,
   *   [RT] test_direct_rpc2_deterrence.py); "siren on camera 3" sent as 2 sounds the neighbour.
   * - Direct camera: control takes the 0-based channel, status the 1-based one (rroller client.py asks
   *   `getStatus&channel=1`, light.py controls channel 0); over RPC2 both are 0-based ([RR2]).
   * - A camera whose CGI answers 501 or 400 (IPC-HDW1849EMP-S-PV rr#676, P5AE-PV rr#555, T4A-PV [DB]) is asked
   *   `CoaxialControlIO.getCaps` over RPC2 (`SupportControlSpeaker`, `SupportControlLight`).
   * A route is learned once; a channel with none is asked again after a while (the transport's absent memory).
   */
  private route(channel: number): Promise<Route | undefined> {
    let route = this.routes.get(channel)
    if (!route) {
      route = this.learnRoute(channel)
      this.routes.set(channel, route)
      void route.then(
        (r) => (r === undefined ? this.routes.delete(channel) : this.via.set(channel, r.via)),
        () => this.routes.delete(channel),
      )
    }
    return route
  }

  private async learnRoute(channel: number): Promise<Route | undefined> {
    const recorder = await this.transport.isRecorder()
    const status = await this.transport.learn(
      `coaxial/${channel}`,
      `/cgi-bin/coaxialControlIO.cgi?action=getStatus&channel=${channel}`,
      (k) => /^status\.(status\.)?(Speaker|WhiteLight)$/.test(k),
    )
    if (status) {
      const control = recorder ? channel : channel - 1
      return { via: 'cgi', control, status: channel, recorder, outputs: outputsOf(status) }
    }
    // No CGI here or not now: a device that speaks RPC2 may serve the same outputs there ([RR2], [IPM]). A
    // recorder numbers its cameras from 1 there too ([RT] test_direct_rpc2_deterrence.py) and has no caps call in
    // any source: its status answers or not.
    const rpcChannel = recorder ? channel : channel - 1
    const found = await this.transport.learnWith(`coaxial-rpc2/${channel}`, async () => {
      if (recorder) {
        return statusOf(
          (await this.transport.rpc2('CoaxialControlIO.getStatus', { channel: rpcChannel }))?.params,
        )
      }
      const caps = (await this.transport.rpc2('CoaxialControlIO.getCaps', { channel: rpcChannel }))?.params
      const flags = (caps?.caps ?? caps) as Record<string, unknown> | undefined
      const table: Table = new Map()
      if (truthy(flags?.SupportControlSpeaker)) table.set('status.Speaker', '')
      if (truthy(flags?.SupportControlLight)) table.set('status.WhiteLight', '')
      return table.size > 0 ? table : undefined
    })
    return (
      found && { via: 'rpc2', control: rpcChannel, status: rpcChannel, recorder, outputs: outputsOf(found) }
    )
  }
}

/** The outputs a status (or caps) table names. Learned tables are never empty (transport.ts). */
function outputsOf(table: Table): Set<Output> {
  return new Set((['Speaker', 'WhiteLight'] as const).filter((output) => field(table, output) !== undefined))
}

/** `status.status.Speaker` on most devices, `status.Speaker` one level flat on some ([RT] test_coaxial_capability). */
function field(status: Table, output: Output): string | undefined {
  return status.get(`status.status.${output}`) ?? status.get(`status.${output}`) ?? status.get(output)
}

/** An RPC2 status (`{ status: { Speaker: 'On' } }` or flat) as the CGI table's keys. */
function statusOf(params: Record<string, unknown> | undefined): Table | undefined {
  const inner = (params?.status ?? params) as Record<string, unknown> | undefined
  if (!inner || typeof inner !== 'object') return undefined
  const table: Table = new Map()
  for (const output of ['Speaker', 'WhiteLight']) {
    const value = inner[output]
    if (typeof value === 'string') table.set(`status.${output}`, value)
  }
  return table
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true'
}
