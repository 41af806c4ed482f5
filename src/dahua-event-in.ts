// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for `dahua-event-in`: listens to its camera's shared stream, passes the events its filter
// accepts on as messages (with a picture on Start, if asked), sends connection health on a second output,
// and keeps its badge in step with the connection.

import { setMaxListeners } from 'node:events'
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { DahuaCameraNode } from './dahua-camera'
import { badgeFor, clock, reasonText, type LastEvent } from './lib/badge'
import { PictureTimeout, PicturesPaused } from './lib/device'
import { CallTimeout } from './lib/session/http-session'
import type { Detection } from './lib/stream/detection'
import { DetectionGate, marked, matches, parseFilter, type FilterSettings } from './lib/stream/filter'
import type { Health } from './lib/stream/health'
import { indexIsVideoChannel, toMessage, type EventMessage } from './lib/stream/message'
import type { CameraEvent, StateChange } from './lib/types'

export interface DahuaEventInConfig extends NodeDef, FilterSettings {
  camera: string
  /** false: no second output with connection health (absent on flows from before it existed: on). */
  connection?: boolean
  /** Attach a snapshot of the channel to each Start. */
  snapshot?: boolean
  /** Seconds a Start waits for its snapshot. */
  snapshotTimeout?: string | number
}

/** What an input message may ask: `action`, and new filter lists (a string or an array each). */
interface ControlMessage {
  action?: unknown
  codes?: unknown
  channels?: unknown
  actions?: unknown
  objects?: unknown
  rules?: unknown
  plates?: unknown
  faces?: unknown
  plateMatch?: unknown
  faceMatch?: unknown
  faceSimilarity?: unknown
}

/** The filter lists an input message may replace; plates and faces are one per line. */
const RUNTIME_LISTS = ['codes', 'channels', 'actions', 'objects', 'rules', 'plates', 'faces'] as const
/** The filter settings an input message may replace, as they are (parseFilter says what is wrong with one). */
const RUNTIME_SETTINGS = ['plateMatch', 'faceMatch', 'faceSimilarity'] as const

function lastOf(event: CameraEvent, receivedAt: number): LastEvent {
  return { code: event.code, action: event.action, at: new Date(receivedAt) }
}

/** A list from a message: a string, a number or an array of them as text; null for anything else. */
function listOf(value: unknown, separator: string): string | null {
  const items = Array.isArray(value) ? value : [value]
  return items.every((item) => typeof item === 'string' || typeof item === 'number')
    ? items.join(separator)
    : null
}

/** A badge that names the last event is refreshed at most this often: events can come in thousands a second. */
const BADGE_REFRESH_MS = 1_000

export default function (RED: NodeAPI): void {
  function DahuaEventInNodeConstructor(this: Node, config: DahuaEventInConfig): void {
    RED.nodes.createNode(this, config)
    const camera = RED.nodes.getNode(config.camera) as DahuaCameraNode | null
    const device = camera?.device
    if (!camera || !device) {
      // Catalog keys: each editor shows them in its own language (badge.ts).
      this.status({
        fill: 'red',
        shape: 'ring',
        text: camera?.problemBadge ?? 'dahua-event-in.status.no-camera',
      })
      this.error(camera?.problem ?? RED._('dahua-event-in.errors.no-camera'))
      return
    }
    let settings: FilterSettings = {
      codes: config.codes,
      channels: config.channels,
      actions: config.actions,
      objects: config.objects,
      rules: config.rules,
      plates: config.plates,
      plateMatch: config.plateMatch,
      faces: config.faces,
      faceMatch: config.faceMatch,
      faceSimilarity: config.faceSimilarity,
    }
    const parsed = parseFilter(settings)
    if ('error' in parsed) {
      this.status({ fill: 'red', shape: 'ring', text: 'dahua-event-in.status.invalid-filter' })
      this.error(RED._(parsed.error.key, parsed.error.params))
      return
    }
    let filter = parsed.filter
    const gate = new DetectionGate()
    let paused = false
    const connectionOutput = config.connection !== false
    // 0.1 to 60 s: whatever the editor or an imported flow says, a Start never waits longer than a minute.
    const snapshotMs = config.snapshot
      ? Math.min(60_000, Math.max(100, (Number(config.snapshotTimeout) || 2) * 1000))
      : 0
    const t = (key: string, params?: Record<string, string | number>): string => RED._(key, params)
    const out = (msg: NodeMessage): void => this.send(connectionOutput ? [msg, null] : msg)

    // The last event passed on and when: kept as they are, made into the badge's LastEvent only when it renders.
    let lastEvent: CameraEvent | undefined
    let lastAt = 0
    let refresh: NodeJS.Timeout | undefined
    const render = (): void => {
      refresh = undefined
      this.status(
        paused
          ? { fill: 'grey', shape: 'ring', text: 'dahua-event-in.status.paused' }
          : badgeFor(device.stream.state, lastEvent && lastOf(lastEvent, lastAt), t, device.stream.times),
      )
    }

    // With snapshots on, messages leave in the order their events came, each Start after its picture (or its
    // timeout): a Stop never overtakes its Start.
    let queue: Promise<void> = Promise.resolve()
    let waiting = 0
    // Aborted when the node closes: its Starts stop waiting, and a fetch nobody else waits for is aborted.
    const leaving = new AbortController()
    setMaxListeners(0, leaving.signal) // one listener per Start waiting for its picture: bounded by the fetches
    /** Why a Start has no picture, in Node-RED's language where the package knows the reason. */
    const pictureError = (err: unknown): string => {
      if (err instanceof PictureTimeout || err instanceof CallTimeout) {
        const ms = err instanceof PictureTimeout ? err.waitMs : err.limitMs
        return RED._('dahua-event-in.errors.no-picture', { seconds: ms / 1000 })
      }
      if (err instanceof PicturesPaused) {
        return RED._('dahua-event-in.errors.pictures-paused', {
          count: err.failures,
          until: clock(new Date(err.until)),
        })
      }
      return err instanceof Error ? err.message : String(err)
    }
    const withPicture = async (msg: EventMessage, receivedAt: number): Promise<EventMessage> => {
      if (!indexIsVideoChannel(msg.payload.code)) {
        msg.imageError = RED._('dahua-event-in.errors.not-video', { code: msg.payload.code })
        return msg
      }
      if (msg.payload.late) {
        // It happened during an outage: a picture taken now would show another moment.
        msg.imageError = RED._('dahua-event-in.errors.late')
        return msg
      }
      try {
        // Asked for after the Start arrived (never an earlier Start's fetch), and aborted if nobody waits for it
        // any more: an unwanted download must not slow the event stream on a slow link (network-faults.md 4).
        const picture = await device.picture(msg.payload.channel, {
          notBefore: receivedAt,
          waitMs: snapshotMs,
          signal: leaving.signal,
        })
        // One fetch serves every node on the camera: each gets its own Buffer, as with the event data.
        msg.image = camera.userCount() > 1 ? Buffer.from(picture.image) : picture.image
        msg.imageAt = new Date(picture.askedAt).toISOString()
      } catch (err) {
        msg.imageError = pictureError(err)
      }
      return msg
    }

    const onState = (_change: StateChange): void => {
      clearTimeout(refresh)
      render()
    }
    const onHealth = (health: Health): void => {
      if (connectionOutput) {
        // Its own copy: a flow that edits the payload must not edit what another node sends. `reason` is for
        // flows to test; `text` is for people, in Node-RED's language.
        const text = health.reason ? reasonText(device.stream.state, t, 'dahua-camera') : undefined
        const payload = text ? { ...health, text } : { ...health }
        this.send([null, { topic: `dahua/${camera.identity.name}/connection`, payload }])
      }
    }
    const onEvent = (event: CameraEvent, receivedAt: number, detection?: Detection): void => {
      const name = indexIsVideoChannel(event.code) ? device.stream.channelName(event.index) : undefined
      if (paused || !matches(filter, event, name) || !gate.passes(filter, event, detection)) {
        return
      }
      const msg = toMessage(event, camera.identity, receivedAt, name, detection && marked(filter, detection))
      // The parsed data is shared by every node on this camera: a flow that edits its copy must not edit
      // another flow's. Counted in nodes, not listeners: the camera node listens too, and a lone node should
      // not pay for a copy.
      if (typeof msg.payload.data === 'object' && camera.userCount() > 1) {
        msg.payload.data = structuredClone(msg.payload.data)
      }
      if (!event.late) {
        lastEvent = event // the badge's "last event" is the latest that happened, not a late arrival
        lastAt = receivedAt
      }
      refresh ??= setTimeout(render, BADGE_REFRESH_MS)
      if (!snapshotMs || (event.action !== 'Start' && waiting === 0)) {
        out(msg)
        return
      }
      waiting++
      const ready = event.action === 'Start' ? withPicture(msg, receivedAt) : Promise.resolve(msg)
      queue = queue
        .then(() => ready)
        .then((done) => out(done))
        .finally(() => waiting--)
    }

    device.stream.on('state', onState)
    device.stream.on('event', onEvent)
    device.stream.on('health', onHealth)
    render()
    camera.register(this, filter.codes)

    // Runtime control, as core `mqtt in` has: change the filter or the connection without a redeploy.
    this.on('input', (msg: NodeMessage & ControlMessage, _send, done) => {
      if ([...RUNTIME_LISTS, ...RUNTIME_SETTINGS].some((key) => msg[key] !== undefined)) {
        const wanted: FilterSettings = { ...settings }
        for (const list of RUNTIME_LISTS.filter((key) => msg[key] !== undefined)) {
          const value = listOf(msg[list], list === 'plates' || list === 'faces' ? '\n' : ',')
          if (value === null) {
            done(new Error(RED._('dahua-event-in.errors.invalid-list', { list })))
            return
          }
          wanted[list] = value
        }
        for (const key of RUNTIME_SETTINGS.filter((setting) => msg[setting] !== undefined)) {
          wanted[key] = msg[key] as string
        }
        const next = parseFilter(wanted)
        if ('error' in next) {
          done(new Error(RED._(next.error.key, next.error.params)))
          return
        }
        filter = next.filter
        settings = wanted
        if (!paused) {
          camera.register(this, filter.codes)
        }
      }
      switch (msg.action) {
        case undefined:
          break
        case 'reconnect':
          device.stream.reconnect()
          break
        case 'pause':
          if (!paused) {
            paused = true
            camera.deregister(this, () => undefined)
          }
          break
        case 'resume':
          if (paused) {
            paused = false
            camera.register(this, filter.codes)
          }
          break
        default:
          done(new Error(RED._('dahua-event-in.errors.unknown-action', { action: String(msg.action) })))
          return
      }
      clearTimeout(refresh)
      render()
      done()
    })

    this.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(refresh)
      device.stream.off('state', onState)
      device.stream.off('event', onEvent)
      device.stream.off('health', onHealth)
      // Messages waiting for a picture stop waiting and go out, without it, before the node is gone.
      leaving.abort()
      void queue.finally(() => camera.deregister(this, done))
    })
  }

  RED.nodes.registerType('dahua-event-in', DahuaEventInNodeConstructor)
}
