// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for `dahua-control`: reads each input message as a control request (controls.ts), hands it to
// its camera's DeviceControl (one HTTP session and login budget per camera), and sends the input message on
// with the result, or fails it with a sentence a person can act on, for a catch node and the badge.

import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { DahuaCameraNode } from './dahua-camera'
import { readRequest, type ControlRequest } from './lib/act/controls'
import { failureText, shortText } from './lib/act/control-error'
import { clock } from './lib/badge'

export interface DahuaControlConfig extends NodeDef {
  camera: string
  action: string
  channel: string | number
}

type ControlMessage = NodeMessage & {
  action?: unknown
  channel?: unknown
  duration?: unknown
  output?: unknown
  contentType?: string
}

export default function (RED: NodeAPI): void {
  function DahuaControlNodeConstructor(this: Node, config: DahuaControlConfig): void {
    RED.nodes.createNode(this, config)
    const camera = RED.nodes.getNode(config.camera) as DahuaCameraNode | null
    const control = camera?.device?.control
    // The camera node as the user named it, with its address (the name alone may be ambiguous, the address
    // alone is what the user does not recognise): Node-RED names an unnamed control node by its id only.
    const address = camera ? `${camera.address.host}:${camera.address.port}` : ''
    const where =
      !camera || camera.identity.name === camera.address.host
        ? address
        : `${camera.identity.name} (${address})`
    let busy = 0
    /** Counts this node's messages: a timed change's end is said only if no newer message has said more since. */
    let latest = 0
    const t = (key: string, params?: Record<string, string | number>): string => RED._(key, params)
    // Node-RED keeps the badge a node's predecessor left until the new one sets another: "siren: on" would
    // outlive the deploy that ended it.
    this.status({})

    this.on('input', (msg: ControlMessage, send, done) => {
      if (!control) {
        // A key of this node's own catalog (the editor translates it): no camera, or no login set.
        const badge = camera?.problemBadge?.endsWith('no-login') ? 'no-login' : 'no-camera'
        this.status({ fill: 'red', shape: 'ring', text: `dahua-control.status.${badge}` })
        done(new Error(camera?.problem ?? RED._('dahua-control.errors.no-camera')))
        return
      }
      const request = readRequest(msg, { action: config.action, channel: config.channel })
      if ('problem' in request) {
        this.status({ fill: 'red', shape: 'ring', text: 'dahua-control.status.invalid' })
        done(new Error(RED._(`dahua-control.errors.${request.problem}`, request.params)))
        return
      }
      busy++
      const mine = ++latest
      const action = RED._(`dahua-control.actions.${request.action}`)
      this.status({ fill: 'yellow', shape: 'dot', text: RED._('dahua-control.status.working', { action }) })
      const failed = (err: unknown): void =>
        this.status({
          fill: 'red',
          shape: 'ring',
          text: RED._('dahua-control.status.failed', {
            action,
            time: clock(new Date()),
            reason: shortText(err, t, 'dahua-control'),
          }),
        })
      // A timed siren or light put back: the badge that said until when would otherwise stay.
      const ended = (err?: unknown): void => {
        if (mine !== latest || busy > 0) return
        if (err !== undefined) return failed(err)
        // A siren or warning light ends off; a light goes back to what it was (on Auto, say).
        const off = request.action === 'siren' || request.action === 'warning-light'
        const time = clock(new Date())
        this.status({
          fill: 'green',
          shape: 'dot',
          text: off
            ? RED._('dahua-control.status.done', { action, state: stateText({ state: false }, t), time })
            : RED._('dahua-control.status.ended', { action, time }),
        })
      }
      control.run(request, ended).then(
        (payload) => {
          busy--
          msg.payload = payload
          if (request.action === 'snapshot') {
            msg.contentType = 'image/jpeg'
          }
          // While others are still under way, the badge says so; the last one says what the device is now, and
          // until when, when a timer puts it back.
          const state = stateText(payload, t)
          const until =
            request.duration !== undefined && isOn(payload)
              ? clock(new Date(Date.now() + request.duration * 1000))
              : undefined
          this.status(
            busy > 0
              ? { fill: 'yellow', shape: 'dot', text: RED._('dahua-control.status.working', { action }) }
              : {
                  fill: 'green',
                  shape: 'dot',
                  text: until
                    ? RED._('dahua-control.status.until', { action, state: state.trim(), time: until })
                    : RED._('dahua-control.status.done', { action, state, time: clock(new Date()) }),
                },
          )
          send(msg)
          done()
        },
        (err: unknown) => {
          busy--
          failed(err)
          done(new Error(sentence(err, request, where)))
        },
      )
    })

    function sentence(err: unknown, request: ControlRequest, camera: string): string {
      const what = RED._(`dahua-control.actions.${request.action}`)
      return failureText(err, t, 'dahua-control', { action: request.action, camera, what })
    }
  }

  RED.nodes.registerType('dahua-control', DahuaControlNodeConstructor)
}

/** Whether a result says the thing is on now (a siren `true`, a light mode `on`): what a timer would end. */
function isOn(payload: unknown): boolean {
  const state = (payload as { state?: unknown } | null)?.state
  return state === true || state === 'on'
}

/** The badge's word for what the device is now: `on`, `auto`, `3` (a preset). */
function stateText(payload: unknown, t: (key: string) => string): string {
  const state = (payload as { state?: unknown } | null)?.state
  if (typeof state === 'boolean')
    return ` ${t(state ? 'dahua-control.status.on' : 'dahua-control.status.off')}`
  if (typeof state === 'string' || typeof state === 'number') return ` ${state}`
  return ''
}
