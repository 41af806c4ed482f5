// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for `dahua-door`: turns its camera's door codes into one message per press, call, door contact
// or access (door.ts), with a picture of a press if asked, says what changed while the stream was down, and
// opens the door, hangs up or takes a picture when a message asks (door-control.ts) — opening only when the
// node allows it.

import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import type { DahuaCameraNode } from './dahua-camera'
import { clock, reasonText } from './lib/badge'
import { ControlError, failureText, shortText } from './lib/act/control-error'
import {
  DEFAULT_MERGE,
  DOOR_CODES,
  DoorTracker,
  type DoorEvent,
  type MergeTiming,
} from './lib/stream/door-events'
import type { CameraEvent, StateChange } from './lib/types'
import { doorChannel, doorChannelProblem } from './lib/rules'
import { printable } from './lib/text'

export interface DahuaDoorConfig extends NodeDef {
  camera: string
  /** Attach a picture of the camera to each press. */
  snapshot?: boolean
  /** The channel pictures come from (default 1): a recorder's channel that films the door. */
  channel?: string | number
  /** "Allow opening the door": without it an `open` is refused. */
  /** Only `true` (or "true" from an environment variable) opens. */
  allowOpen?: boolean | string
}

interface DoorSettings {
  dahuaCamera?: { doorMerge?: Partial<MergeTiming> }
}

/** Doors a message may name: the largest access controllers drive 4, door stations 1-2. */
const MAX_DOOR = 16
/** How long a press waits for its picture beyond its merge window. */
const PICTURE_WAIT_MS = 3_000
/** A refused open is warned about at most this often, with how many were not shown (as the camera's warnings). */
const WARNING_INTERVAL_MS = 60_000
/** The most of a flow's text (an unknown action) said back in an error. */
const ACTION_TEXT_MAX = 40

type DoorMessage = NodeMessage & { action?: unknown; contentType?: string; imageError?: string }

export default function (RED: NodeAPI): void {
  function DahuaDoorNodeConstructor(this: Node, config: DahuaDoorConfig): void {
    RED.nodes.createNode(this, config)
    const camera = RED.nodes.getNode(config.camera) as DahuaCameraNode | null
    const device = camera?.device
    const t = (key: string, params?: Record<string, string | number>): string => RED._(key, params)
    if (!camera || !device) {
      const badge = camera?.problemBadge?.endsWith('no-login') ? 'no-login' : 'no-camera'
      this.status({ fill: 'red', shape: 'ring', text: `dahua-door.status.${badge}` })
      this.error(camera?.problem ?? RED._('dahua-door.errors.no-camera'))
      this.on('input', (_msg: NodeMessage, _send, done) =>
        done(new Error(camera?.problem ?? RED._('dahua-door.errors.no-camera'))),
      )
      return
    }
    // The camera node as the user named it, with its address (the name alone may be ambiguous, the address
    // alone is what the user does not recognise).
    const address = `${camera.address.host}:${camera.address.port}`
    const where =
      camera.identity.name === camera.address.host ? address : `${camera.identity.name} (${address})`
    const merge = { ...DEFAULT_MERGE, ...(RED.settings as DoorSettings).dahuaCamera?.doorMerge }
    const tracker = new DoorTracker(merge)
    const pictures = new WeakMap<DoorEvent, Promise<Buffer>>()
    /** Door contacts as last seen, by 1-based door: what a reconnect compares the station's answer with. */
    const contacts = new Map<number, 'Open' | 'Close'>()
    let last: DoorEvent | undefined
    let due: NodeJS.Timeout | undefined
    let queue: Promise<void> = Promise.resolve()
    let connectedBefore = false
    let refusedWarning: { at: number; suppressed: number } | undefined
    // The channel of the pictures: a bad one is said at deploy and on every picture, never replaced by a guess.
    const channelProblem = doorChannelProblem(config.channel)
    if (channelProblem) {
      this.error(RED._(channelProblem.key, channelProblem.params))
    }
    const takePicture = (): Promise<Buffer> =>
      channelProblem
        ? Promise.reject(new Error(RED._(channelProblem.key, channelProblem.params)))
        : device.snapshot(doorChannel(config.channel))

    const render = (): void => {
      const state = device.stream.state
      if (state.state === 'connected') {
        this.status(
          last
            ? {
                fill: 'green',
                shape: 'dot',
                text: RED._('dahua-door.status.last', { event: last.event, time: clock(new Date(last.at)) }),
              }
            : { fill: 'green', shape: 'dot', text: 'dahua-door.status.connected' },
        )
      } else if (state.state === 'connecting' || state.state === 'retrying') {
        this.status({ fill: 'yellow', shape: 'ring', text: 'dahua-door.status.connecting' })
      } else if (state.state !== 'stopped') {
        this.status({
          fill: 'red',
          shape: 'ring',
          text: RED._('dahua-door.status.down', { reason: reasonText(state, t, 'dahua-door') }),
        })
      }
    }

    // Messages leave in the order their moments began, each press after its picture (or its wait).
    const send = (event: DoorEvent): void => {
      const picture = pictures.get(event)
      queue = queue.then(async () => {
        const msg: DoorMessage = {
          topic: `dahua/${camera.identity.name}/door/${event.event}`,
          payload: {
            ...event,
            camera: { ...camera.identity },
            at: new Date(event.at).toISOString(),
          },
        }
        if (picture) {
          try {
            ;(msg.payload as Record<string, unknown>).image = await withTimeout(
              picture,
              PICTURE_WAIT_MS,
              () => new Error(RED._('dahua-door.errors.no-picture', { seconds: PICTURE_WAIT_MS / 1000 })),
            )
          } catch (err) {
            msg.imageError = err instanceof Error ? err.message : String(err)
          }
        }
        // Kept for the doors a station can have: a camera sending ever new door numbers cannot grow it, nor the
        // questions a reconnect asks.
        const door = event.door ?? 1
        if ((event.event === 'door-opened' || event.event === 'door-closed') && door <= MAX_DOOR) {
          contacts.set(door, event.event === 'door-opened' ? 'Open' : 'Close')
        }
        last = event
        render()
        this.send(msg)
      })
    }

    const flush = (): void => {
      due = undefined
      for (const event of tracker.due(Date.now())) {
        send(event)
      }
      schedule()
    }
    const schedule = (): void => {
      const next = tracker.nextDue()
      if (next !== undefined && due === undefined) {
        due = setTimeout(flush, Math.max(0, next - Date.now()))
      }
    }

    const onEvent = (event: CameraEvent, receivedAt: number): void => {
      const joined = tracker.add(event, receivedAt)
      if (!joined) {
        return
      }
      // A contact is known when its code is seen, not when its merged message leaves: a reconnect's question
      // answered meanwhile must not say the same opening again (review-2026-12.md 12).
      const door = joined.door ?? 1
      if (
        !event.reconciled &&
        !event.late &&
        (joined.event === 'door-opened' || joined.event === 'door-closed') &&
        door <= MAX_DOOR
      ) {
        contacts.set(door, joined.event === 'door-opened' ? 'Open' : 'Close')
      }
      // The picture is asked for at the press's first code, not when its window closes.
      if (
        config.snapshot &&
        joined.event === 'pressed' &&
        joined.raw.length === 1 &&
        !event.reconciled &&
        !event.late
      ) {
        const picture = takePicture()
        picture.catch(() => undefined) // its failure is said when the press is sent
        pictures.set(joined, picture)
      }
      schedule()
    }

    // After a reconnect, what happened at the door while the stream was down comes out marked `reconciled`.
    const onState = (change: StateChange): void => {
      render()
      if (change.state !== 'connected') {
        return
      }
      const first = !connectedBefore
      connectedBefore = true
      void device.door.reconcile(contacts, !first && tracker.isCalling, first).then((events) => {
        for (const event of events) {
          // A call's own codes may have ended it while the station was being asked.
          if (event.event === 'call-ended') {
            if (!tracker.isCalling) continue
            tracker.callEnded()
          }
          send(event)
        }
      })
    }

    device.stream.on('event', onEvent)
    device.stream.on('state', onState)
    camera.register(this, new Set(DOOR_CODES.map((code) => code.toLowerCase())))
    render()

    this.on('input', (msg: DoorMessage, sendOut, done) => {
      const action = msg.action
      const fail = (err: unknown): void => {
        failed(String(action), err)
        done(new Error(sentence(err, String(action))))
      }
      const ok = (payload: unknown): void => {
        msg.payload = payload
        render()
        sendOut(msg)
        done()
      }
      switch (action) {
        case 'open': {
          const door = msg.payload === undefined || msg.payload === '' ? 1 : Number(msg.payload)
          if (!Number.isInteger(door) || door < 1 || door > MAX_DOOR) {
            done(new Error(RED._('dahua-door.errors.door', { max: MAX_DOOR })))
            return
          }
          // A physical action: only where the user said so, and always in the log. The checkbox gives a boolean; an
          // environment variable (`${VAR}`, substituted as text) may give "true". Anything else, "false" and "0"
          // included (truthy strings), is no (review-2026-12.md 9).
          if (config.allowOpen !== true && config.allowOpen !== 'true') {
            // A flow that sends opens in a loop must not fill the log: once a minute, with the count not shown.
            const now = Date.now()
            if (refusedWarning && now - refusedWarning.at < WARNING_INTERVAL_MS) {
              refusedWarning.suppressed++
            } else {
              const suppressed = refusedWarning?.suppressed ?? 0
              refusedWarning = { at: now, suppressed: 0 }
              // The badge changes with the warning, not with every message of a flood.
              failed('open', new ControlError('open-not-allowed'))
              this.warn(
                RED._('dahua-door.log.open-refused', {
                  door,
                  camera: where,
                  id: msg._msgid ?? '',
                  suppressed,
                  count: suppressed,
                }),
              )
            }
            done(new Error(RED._('dahua-door.errors.open-not-allowed')))
            return
          }
          // Logged when a request goes out, with the message it is for: messages answered by the same open or
          // "already opened" send nothing.
          const sending = (): void =>
            this.log(RED._('dahua-door.log.open', { door, camera: where, id: msg._msgid ?? '' }))
          device.door
            .open(door, sending)
            .then((result) => ok({ action: 'open', door, ok: true, ...result }), fail)
          return
        }
        case 'hang-up':
          device.door.hangUp().then((result) => ok({ action: 'hang-up', ok: true, ...result }), fail)
          return
        case 'snapshot':
          if (channelProblem) {
            done(new Error(RED._(channelProblem.key, channelProblem.params)))
            return
          }
          takePicture().then((image) => {
            msg.contentType = 'image/jpeg'
            ok(image)
          }, fail)
          return
        default:
          done(
            new Error(
              RED._('dahua-door.errors.action', {
                action:
                  typeof action === 'string' ? printable(action).slice(0, ACTION_TEXT_MAX) : typeof action,
              }),
            ),
          )
      }
    })

    function sentence(err: unknown, action: string): string {
      return failureText(err, t, 'dahua-door', { action, camera: where })
    }

    /** A red badge with the action, when it failed and why, in a few words. */
    const failed = (action: string, err: unknown): void => {
      this.status({
        fill: 'red',
        shape: 'ring',
        text: RED._('dahua-door.status.failed', {
          action,
          time: clock(new Date()),
          reason: shortText(err, t, 'dahua-door'),
        }),
      })
    }

    this.on('close', (_removed: boolean, done: () => void) => {
      clearTimeout(due)
      device.stream.off('event', onEvent)
      device.stream.off('state', onState)
      void queue.finally(() => camera.deregister(this, done))
    })
  }

  RED.nodes.registerType('dahua-door', DahuaDoorNodeConstructor)
}

/** `promise`, or the failure `late()` makes after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
