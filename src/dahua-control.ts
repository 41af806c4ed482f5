// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for `dahua-control`: reads each input message as a control request (controls.ts), hands it to
// its camera's DeviceControl (one HTTP session and login budget per camera), and sends the input message on
// with the result, or fails it with a sentence a person can act on, for a catch node and the badge.

import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { DahuaCameraNode } from './dahua-camera'
import { readRequest, type ControlRequest } from './lib/act/controls'
import { failureText } from './lib/act/control-error'
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
    const where = camera ? `${camera.address.host}:${camera.address.port}` : ''
    let busy = 0
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
      const action = RED._(`dahua-control.actions.${request.action}`)
      this.status({ fill: 'yellow', shape: 'dot', text: RED._('dahua-control.status.working', { action }) })
      control.run(request).then(
        (payload) => {
          busy--
          msg.payload = payload
          if (request.action === 'snapshot') {
            msg.contentType = 'image/jpeg'
          }
          // While others are still under way, the badge says so; the last one says what the device is now.
          this.status(
            busy > 0
              ? { fill: 'yellow', shape: 'dot', text: RED._('dahua-control.status.working', { action }) }
              : {
                  fill: 'green',
                  shape: 'dot',
                  text: RED._('dahua-control.status.done', {
                    action,
                    state: stateText(payload, t),
                    time: clock(new Date()),
                  }),
                },
          )
          send(msg)
          done()
        },
        (err: unknown) => {
          busy--
          this.status({ fill: 'red', shape: 'ring', text: RED._('dahua-control.status.failed', { action }) })
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

/** The badge's word for what the device is now: `on`, `auto`, `3` (a preset). */
function stateText(payload: unknown, t: (key: string) => string): string {
  const state = (payload as { state?: unknown } | null)?.state
  if (typeof state === 'boolean')
    return ` ${t(state ? 'dahua-control.status.on' : 'dahua-control.status.off')}`
  if (typeof state === 'string' || typeof state === 'number') return ` ${state}`
  return ''
}
