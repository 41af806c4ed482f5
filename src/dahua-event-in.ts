// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for `dahua-event-in`: listens to its camera's shared stream, passes the events its filter
// accepts on as messages, and keeps its badge in step with the connection.

import type { Node, NodeAPI, NodeDef } from 'node-red'
import type { DahuaCameraNode } from './dahua-camera'
import { badgeFor, type LastEvent } from './lib/badge'
import { matches, parseFilter } from './lib/filter'
import { toMessage } from './lib/message'
import type { CameraEvent, StateChange } from './lib/types'

export interface DahuaEventInConfig extends NodeDef {
  camera: string
  codes: string
  channels: string
  actions: string
}

/** A badge that names the last event is refreshed at most this often: events can come in thousands a second. */
const BADGE_REFRESH_MS = 1_000

export default function (RED: NodeAPI): void {
  function DahuaEventInNodeConstructor(this: Node, config: DahuaEventInConfig): void {
    RED.nodes.createNode(this, config)
    const camera = RED.nodes.getNode(config.camera) as DahuaCameraNode | null
    const client = camera?.client
    if (!camera || !client) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('dahua-event-in.status.no-camera') })
      this.error(camera?.problem ?? RED._('dahua-event-in.errors.no-camera'))
      return
    }
    const parsed = parseFilter(config)
    if ('error' in parsed) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('dahua-event-in.status.invalid-filter') })
      this.error(RED._('dahua-event-in.errors.invalid-filter', { detail: parsed.error }))
      return
    }
    const { filter } = parsed
    const t = (key: string, params?: Record<string, string | number>): string => RED._(key, params)

    let last: LastEvent | undefined
    let refresh: NodeJS.Timeout | undefined
    const render = (): void => {
      refresh = undefined
      this.status(badgeFor(client.state, last, t))
    }
    const onState = (_change: StateChange): void => {
      clearTimeout(refresh)
      render()
    }
    const onEvent = (event: CameraEvent, receivedAt: number): void => {
      if (!matches(filter, event)) {
        return
      }
      const msg = toMessage(event, camera.identity, receivedAt)
      // The parsed data is shared by every node on this camera: a flow that edits its copy must not edit
      // another flow's.
      if (typeof msg.payload.data === 'object' && client.listenerCount('event') > 1) {
        msg.payload.data = structuredClone(msg.payload.data)
      }
      this.send(msg)
      last = { code: event.code, action: event.action, at: new Date(receivedAt) }
      refresh ??= setTimeout(render, BADGE_REFRESH_MS)
    }

    client.on('state', onState)
    client.on('event', onEvent)
    render()
    camera.register(this)

    this.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(refresh)
      client.off('state', onState)
      client.off('event', onEvent)
      camera.deregister(this, done)
    })
  }

  RED.nodes.registerType('dahua-event-in', DahuaEventInNodeConstructor)
}
