// SPDX-License-Identifier: Apache-2.0
// Node-RED glue for the `dahua-camera` config node: turns its settings into one Device, starts the
// stream for the first event node that registers and stops it after the last (core 10-mqtt.js's pattern), and
// logs what the stream does. No parsing, auth or retry policy lives here.

import type { Node, NodeAPI, NodeDef } from 'node-red'
import { Device } from './lib/device'
import type { StreamWarning } from './lib/stream/event-stream'
import { MAX_CAPABILITY_CHANNELS, MAX_CODES, snapshotBytes } from './lib/limits'
import { previewFailure } from './lib/preview'
import { probeCamera } from './lib/session/probe'
import { discover } from './lib/session/discover'
import { MAX_TARGETS, discoveryTargets, searchMs, type FoundDevice } from './lib/session/discovery'
import { cleanHost } from './lib/rules'
import { basicKey, reasonText } from './lib/badge'
import { indexIsVideoChannel, type CameraIdentity } from './lib/stream/message'
import { retryEveryMs, type Timing } from './lib/session/policy'
import { printable } from './lib/text'
import type { CameraAddress, CameraCredentials, ConnectionState, StateChange } from './lib/types'

export interface DahuaCameraConfig extends NodeDef {
  host: string
  port: string | number
  protocol: 'http' | 'https'
  verifyTls: boolean
  heartbeat: string | number
  /** Minutes between make-before-break refreshes of the attach (0: never). */
  refreshMinutes?: string | number
  /** "Allow unencrypted Basic login (old firmware)": Basic over plain http (over https it is always allowed). */
  allowBasic?: boolean
}

export interface DahuaCameraNode extends Node<Partial<CameraCredentials>> {
  /** Undefined when the settings are unusable (no host, no login); `problem` then says why. */
  device?: Device
  problem?: string
  /** The catalog key of the badge event nodes show for `problem`. */
  problemBadge?: string
  identity: CameraIdentity
  /** Where the stored credentials were saved for: Test connection sends them nowhere else. */
  address: CameraAddress
  /** The codes this camera has sent since deploy: code -> 1-based channel -> count (the editor lists them). */
  seen: Map<string, Map<number, number>>
  /** The object kinds and rule names its detections have named since deploy, with counts (the editor lists them). */
  seenDetections: { objects: Map<string, number>; rules: Map<string, number> }
  /** `codes`: the lower-case codes the user listens for, undefined for all (what is worth reconciling). */
  register(user: Node, codes?: Set<string>): void
  /** How many event nodes take this camera's events now. */
  userCount(): number
  deregister(user: Node, done: () => void): void
}

/**
 * Advanced (settings.js `dahuaCamera`): `timing` overrides the connection policy's limits, in ms;
 * `maxSnapshotBytes` the size limit of a snapshot (limits.ts).
 */
interface DahuaSettings {
  dahuaCamera?: {
    timing?: Partial<Timing>
    maxSnapshotBytes?: number
    /** Search the network: where the request goes (`'192.168.1.255'`, `'10.0.0.7:37810'`) and for how long. */
    discovery?: { targets?: unknown; timeoutMs?: unknown }
  }
}

const WARNING_INTERVAL_MS = 60_000
const CLOSE_LIMIT_MS = 5_000
/** The editor's question "what does this camera support" is answered within this, done or not. */
const CAPABILITIES_ANSWER_MS = 4_000
/** A learning that failed is not asked of the camera again for this long (security-2026-12.md 8). */
const CAPABILITIES_FAILED_FOR_MS = 60_000

interface AdminRequest {
  headers: Record<string, string | string[] | undefined>
}

/**
 * Whether a browser sent this request from another site. Node-RED core answers every admin request with
 * `Access-Control-Allow-Origin: *` and lets any header through a preflight, so without adminAuth any web page
 * could make the camera endpoints talk to cameras. Browsers say where a request comes from: `Sec-Fetch-Site`
 * (set by the browser, it cannot be forged by the page, and it stays right behind a proxy that rewrites Host),
 * else `Origin`, which every cross-origin fetch and every form post carries.
 */
function fromAnotherSite(req: AdminRequest): boolean {
  const header = (name: string): string | undefined => {
    const value = req.headers[name]
    return Array.isArray(value) ? value[0] : value
  }
  const site = header('sec-fetch-site')
  if (site !== undefined) {
    return site !== 'same-origin' && site !== 'none'
  }
  const origin = header('origin')
  if (origin === undefined) {
    return false
  }
  try {
    const host = new URL(origin).host
    return host !== header('host') && host !== header('x-forwarded-host')
  } catch {
    return true
  }
}

/** A TCP port from the editor or an imported flow: 1-65535, else the protocol's own. */
function portNumber(value: unknown, protocol: 'http' | 'https'): number {
  const port = Number(value)
  return Number.isInteger(port) && port >= 1 && port <= 65_535 ? port : protocol === 'https' ? 443 : 80
}

export default function (RED: NodeAPI): void {
  function DahuaCameraNodeConstructor(this: DahuaCameraNode, config: DahuaCameraConfig): void {
    RED.nodes.createNode(this, config)
    // A host typed as a URL (`http://192.168.1.108/`) means its address: the editor explains, the runtime reads it.
    const host = cleanHost(config.host)
    const protocol = config.protocol === 'https' ? 'https' : 'http'
    const port = portNumber(config.port, protocol)
    const heartbeat = Math.min(60, Math.max(1, Math.round(Number(config.heartbeat) || 5)))
    this.identity = { name: (config.name || host).trim(), host }
    this.address = { host, port, protocol, verifyTls: config.verifyTls !== false }
    this.seen = new Map()
    this.seenDetections = { objects: new Map(), rules: new Map() }

    const users = new Map<string, Set<string> | undefined>()
    const interest = (): Set<string> | undefined =>
      [...users.values()].some((codes) => codes === undefined)
        ? undefined
        : new Set([...users.values()].flatMap((codes) => [...(codes ?? [])]))
    this.userCount = () => users.size
    this.register = (user, codes) => {
      users.set(user.id, codes)
      this.device?.stream.setInterest(interest())
      if (users.size === 1) {
        this.device?.stream.start()
      }
    }
    this.deregister = (user, done) => {
      users.delete(user.id)
      this.device?.stream.setInterest(interest())
      if (users.size > 0 || !this.device) {
        done()
        return
      }
      this.device.stream.stop().then(done, done)
    }

    if (!host) {
      this.problem = RED._('dahua-camera.errors.no-host')
      this.problemBadge = 'dahua-event-in.status.no-camera'
      this.error(this.problem)
      return
    }
    // Without a username every login is refused, and three refusals lock the account (an imported example
    // has no credentials): nothing is tried.
    if (!this.credentials?.username) {
      this.problem = RED._('dahua-camera.errors.no-login')
      this.problemBadge = 'dahua-event-in.status.no-login'
      this.error(this.problem)
      return
    }
    // Empty or absent (flows saved before the setting existed) means the default, not "never". The client keeps
    // any number under what a timer can hold (policy.ts boundedTiming).
    const refreshMinutes =
      config.refreshMinutes === undefined ||
      config.refreshMinutes === '' ||
      !(Number(config.refreshMinutes) >= 0)
        ? 60
        : Number(config.refreshMinutes)
    const settings = (RED.settings as DahuaSettings).dahuaCamera
    const device = new Device({
      address: this.address,
      credentials: { username: this.credentials?.username ?? '', password: this.credentials?.password ?? '' },
      heartbeatSeconds: heartbeat,
      timing: { refreshMs: refreshMinutes * 60_000, ...settings?.timing },
      allowBasic: config.allowBasic === true,
      maxSnapshotBytes: snapshotBytes(settings?.maxSnapshotBytes),
    })
    this.device = device
    const client = device.stream
    const where = `${host}:${port}`
    const t = (key: string, params?: Record<string, string | number>): string => RED._(key, params)

    client.on('event', (event, _receivedAt, detection) => {
      if (!event.reconciled) {
        const channels = this.seen.get(event.code) ?? new Map<number, number>()
        this.seen.set(event.code, channels)
        channels.set(event.index + 1, (channels.get(event.index + 1) ?? 0) + 1)
        if (detection) {
          count(this.seenDetections.objects, detection.object)
          count(this.seenDetections.rules, detection.rule?.name)
        }
      }
    })

    // Log each change of state once, not every retry: a camera that is down for a day must not fill the log.
    let logged: ConnectionState = 'stopped'
    client.on('state', (change: StateChange) => {
      if (change.state === logged) {
        return
      }
      logged = change.state
      const params = {
        camera: where,
        reason: reasonText(change, t, 'dahua-camera'),
        minutes: Math.round((change.retryInMs ?? 0) / 60_000),
        // The interval kept, not the wait alone (network-faults.md 3d).
        seconds: Math.max(1, Math.round(retryEveryMs(change, device.timing) / 1000)),
      }
      switch (change.state) {
        case 'connected':
          this.log(RED._('dahua-camera.state.connected', params))
          break
        case 'retrying':
          this.warn(RED._('dahua-camera.state.retrying', params))
          break
        case 'unreachable':
          this.warn(RED._('dahua-camera.state.unreachable', params))
          break
        case 'auth-failed': {
          const key = change.reason?.kind === 'basic' ? basicKey(change) : 'auth-failed'
          this.error(RED._(`dahua-camera.state.${key}`, params))
          break
        }
        case 'tls-refused':
          this.error(RED._('dahua-camera.state.tls-refused', params))
          break
        default:
          break
      }
    })

    // What the camera sent and we could not use is said, once a minute at most per kind, with a count. Its text
    // is the camera's: control characters never reach the log.
    const lastWarning = new Map<string, { at: number; suppressed: number }>()
    client.on('warning', (warning: StreamWarning) => {
      const kind =
        warning.kind === 'skipped'
          ? warning.skipped.reason
          : warning.kind === 'limit'
            ? `limit.${warning.limit}`
            : 'invalid-event'
      const now = Date.now()
      const last = lastWarning.get(kind)
      if (last && now - last.at < WARNING_INTERVAL_MS) {
        last.suppressed++
        return
      }
      const suppressed = last?.suppressed ?? 0
      lastWarning.set(kind, { at: now, suppressed: 0 })
      const params = { camera: where, suppressed }
      if (warning.kind === 'skipped') {
        if (warning.skipped.reason === 'status-line') {
          this.debug(RED._('dahua-camera.warn.status-line', { camera: where }))
          return
        }
        const { bytes, sample } = warning.skipped
        this.warn(RED._(`dahua-camera.warn.${kind}`, { ...params, bytes, sample: printable(sample) }))
      } else if (warning.kind === 'limit') {
        this.warn(RED._(`dahua-camera.${kind}`, { ...params, sample: printable(warning.sample) }))
      } else {
        const reason = printable(warning.reason)
        this.warn(
          RED._('dahua-camera.warn.invalid-event', { ...params, reason, sample: printable(warning.sample) }),
        )
      }
    })

    this.on('close', (_removed: boolean, done: () => void) => {
      users.clear()
      // done() on every path, and in bounded time: Node-RED waits for it before a redeploy completes.
      const limit = setTimeout(done, CLOSE_LIMIT_MS)
      limit.unref()
      device
        .close()
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(limit)
          done()
        })
    })
  }

  // The editor's Test connection: the settings as edited, before any deploy. The stored login is used only for
  // the camera node it was saved with, and only against the address it was saved for: an unchanged password
  // field arrives as Node-RED's placeholder, and a changed address (another host, port or protocol, which
  // could be anyone's, or ask for Basic in clear) must have it typed again.
  const sameSite = (
    req: AdminRequest,
    res: { status(code: number): { json(body: unknown): void } },
    next: () => void,
  ) => {
    if (fromAnotherSite(req)) {
      res.status(403).json({ error: 'cross-site request refused' })
      return
    }
    next()
  }
  // The editor's own header (`Node-RED-API-Version`), which its every API call carries and an <img> or a form
  // cannot: for the calls that make the camera work or reveal its clients, a page on another site cannot ask.
  const fromEditor = (
    req: AdminRequest,
    res: { status(code: number): { json(body: unknown): void } },
    next: () => void,
  ) => {
    if (req.headers['node-red-api-version'] === undefined) {
      res.status(403).json({ error: 'only the editor may ask' })
      return
    }
    next()
  }

  /** The deployed device of the camera node a request names, or undefined once `notDeployed` was answered (404). */
  const deployed = (
    req: { params: Record<string, unknown> },
    res: { status(code: number): { json(body: unknown): void } },
    notDeployed: object = { error: 'not deployed' },
  ): Device | undefined => {
    const device = (RED.nodes.getNode(String(req.params.id)) as DahuaCameraNode | null)?.device
    if (!device) {
      res.status(404).json(notDeployed)
    }
    return device
  }

  RED.httpAdmin.post(
    '/dahua-camera/probe',
    RED.auth.needsPermission('dahua-camera.write'),
    sameSite,
    (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>
      const text = (value: unknown): string | undefined =>
        typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
      const protocol = body.protocol === 'https' ? 'https' : 'http'
      const host = cleanHost(text(body.host))
      if (!host) {
        res.json({ ok: false, failure: 'unreachable', detail: 'no host' })
        return
      }
      const address: CameraAddress = {
        host,
        port: portNumber(body.port, protocol),
        protocol,
        verifyTls: body.verifyTls !== false,
      }
      const saved =
        typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as DahuaCameraNode | null) : null
      const stored =
        saved?.type === 'dahua-camera' &&
        saved.address.host === address.host &&
        saved.address.port === address.port &&
        saved.address.protocol === address.protocol
          ? saved.credentials
          : undefined
      const typedPassword = body.password !== '__PWRD__' && body.password !== undefined
      if (!typedPassword && !stored) {
        res.json({ ok: false, failure: 'password', detail: '' })
        return
      }
      const username = (text(body.username) ?? stored?.username ?? '').trim()
      if (!username) {
        res.json({ ok: false, failure: 'no-login', detail: '' })
        return
      }
      // Who tested which address: Test connection can reach any host and port (security-2026-12.md 9).
      RED.log.audit(
        // The typings lack the audit entry's own fields; Node-RED sets the level (98) itself.
        { level: 98, event: 'dahua-camera.probe', host: address.host, port: address.port } as Parameters<
          typeof RED.log.audit
        >[0],
        req,
      )
      void probeCamera(
        address,
        { username, password: typedPassword ? (text(body.password) ?? '') : (stored?.password ?? '') },
        body.allowBasic === true,
      )
        .then((result) => res.json(result))
        .catch(() => res.status(500).json({ ok: false, failure: 'unreachable', detail: 'internal error' }))
    },
  )

  // What a deployed camera has sent: the event dialog offers these codes and channels.
  RED.httpAdmin.get(
    '/dahua-camera/:id/seen',
    RED.auth.needsPermission('dahua-camera.read'),
    sameSite,
    (req, res) => {
      const camera = RED.nodes.getNode(String(req.params.id)) as DahuaCameraNode | null
      if (!camera?.seen) {
        res.status(404).json({ error: 'not deployed' })
        return
      }
      res.json(
        [...camera.seen].map(([code, channels]) => {
          // A recorder's names for the channels seen (`channel -> name`), where it has them.
          const names = Object.fromEntries(
            [...channels.keys()].flatMap((channel) => {
              const name = indexIsVideoChannel(code)
                ? camera.device?.stream.channelName(channel - 1)
                : undefined
              return name === undefined ? [] : [[channel, name]]
            }),
          )
          return {
            code,
            count: [...channels.values()].reduce((sum, n) => sum + n, 0),
            channels: Object.fromEntries(channels),
            ...(Object.keys(names).length > 0 ? { names } : {}),
          }
        }),
      )
    },
  )

  // The object kinds and rule names a deployed camera's detections named: the event dialog offers these.
  RED.httpAdmin.get(
    '/dahua-camera/:id/seen-detections',
    RED.auth.needsPermission('dahua-camera.read'),
    sameSite,
    (req, res) => {
      const camera = RED.nodes.getNode(String(req.params.id)) as DahuaCameraNode | null
      if (!camera?.seenDetections) {
        res.status(404).json({ error: 'not deployed' })
        return
      }
      const list = (seen: Map<string, number>): { name: string; count: number }[] =>
        [...seen].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count)
      res.json({ objects: list(camera.seenDetections.objects), rules: list(camera.seenDetections.rules) })
    },
  )

  // What a deployed camera supports, per channel: the control dialog marks these actions. Learned once, lazily,
  // through the camera's own session and login budget (device-control.ts). Learning makes hundreds of requests
  // to the camera, so it takes the right to change cameras (as Test connection does), and the editor's own
  // header (`Node-RED-API-Version`, which its every API call carries and an <img> or a form cannot): a page on
  // another site cannot start it, not even in a browser too old to say where a request comes from.
  const failedLearning = new WeakMap<object, { until: number; error: string }>()
  RED.httpAdmin.get(
    '/dahua-camera/:id/capabilities',
    RED.auth.needsPermission('dahua-camera.write'),
    sameSite,
    fromEditor,
    (req, res) => {
      const control = deployed(req, res)?.control
      if (!control) {
        return
      }
      const failed = failedLearning.get(control)
      if (failed && failed.until > Date.now()) {
        res.status(502).json({ error: failed.error })
        return
      }
      // The learning goes on after the answer (its result is kept for the next question); the editor is told
      // at once that it is not done rather than left waiting for a slow camera (about 58 min in the audit).
      const timer = setTimeout(
        () =>
          res.status(503).json({ error: 'the camera is still answering: ask again later', partial: true }),
        CAPABILITIES_ANSWER_MS,
      )
      control.capabilities().then(
        (channels) => {
          clearTimeout(timer)
          if (!res.headersSent) res.json(channels)
        },
        (err: unknown) => {
          clearTimeout(timer)
          const error = err instanceof Error ? printable(err.message) : 'failed'
          failedLearning.set(control, { until: Date.now() + CAPABILITIES_FAILED_FOR_MS, error })
          if (!res.headersSent) res.status(502).json({ error })
        },
      )
    },
  )

  // Search the network (issue 20 §1): the devices that answer Dahua's UDP discovery, for the camera dialog to
  // offer. It sends to the LAN (multicast and broadcast, or settings.js `dahuaCamera.discovery.targets`, never a
  // target from the request: an editor user must not aim a UDP reflector), so it takes the right to change
  // cameras and the editor's own header, as the capability probe does. Searches asked for while one runs get
  // its answer: one socket however often the button is clicked.
  let searching: Promise<FoundDevice[]> | undefined
  let targetsChecked = false
  /** Entries of settings.js targets that are not searched would be a search that finds nothing there, without a word. */
  const warnOfTargets = (list: unknown): void => {
    if (!Array.isArray(list)) {
      return
    }
    const unread = list.slice(0, MAX_TARGETS).filter((entry) => discoveryTargets([entry]).length === 0)
    if (unread.length > 0) {
      const entries = printable(unread.map((entry) => JSON.stringify(entry) ?? String(entry)).join(', '))
      RED.log.warn(RED._('dahua-camera.warn.discovery-targets', { entries: entries.slice(0, 200) }))
    }
    if (list.length > MAX_TARGETS) {
      RED.log.warn(
        RED._('dahua-camera.warn.discovery-targets-many', { count: list.length, max: MAX_TARGETS }),
      )
    }
  }
  RED.httpAdmin.post(
    '/dahua-camera/discover',
    RED.auth.needsPermission('dahua-camera.write'),
    sameSite,
    fromEditor,
    (req, res) => {
      if (!searching) {
        RED.log.audit(
          { level: 98, event: 'dahua-camera.discover' } as Parameters<typeof RED.log.audit>[0],
          req,
        )
        const settings = (RED.settings as DahuaSettings).dahuaCamera?.discovery
        if (!targetsChecked) {
          targetsChecked = true
          warnOfTargets(settings?.targets)
        }
        searching = discover({
          targets: discoveryTargets(settings?.targets),
          timeoutMs: searchMs(settings?.timeoutMs),
        }).finally(() => {
          searching = undefined
        })
      }
      searching.then(
        (devices) => res.json({ devices }),
        () => res.status(500).json({ error: 'search failed' }),
      )
    },
  )

  // A recorder's channels by name, and the camera on each (issue 20 §2); a channel's picture (§3). Both go through
  // the device's one session and login budget and are read-only, so the read permission. Both also need the
  // editor's own header: an <img> or a link on another site cannot send it, so cannot make the camera work.
  RED.httpAdmin.get(
    '/dahua-camera/:id/channels',
    RED.auth.needsPermission('dahua-camera.read'),
    sameSite,
    fromEditor,
    (req, res) => {
      const device = deployed(req, res)
      if (!device) {
        return
      }
      device.channels.list(req.query.refresh === '1').then(
        (channels) => res.json(channels),
        (err: unknown) => res.status(502).json(previewFailure(err)),
      )
    },
  )
  RED.httpAdmin.get(
    '/dahua-camera/:id/snapshot',
    RED.auth.needsPermission('dahua-camera.read'),
    sameSite,
    fromEditor,
    (req, res) => {
      const device = deployed(req, res, { reason: 'not-deployed', detail: '' })
      if (!device) {
        return
      }
      const channel = Number(req.query.channel ?? 1)
      if (!Number.isInteger(channel) || channel < 1 || channel > MAX_CAPABILITY_CHANNELS) {
        res.status(400).json({ reason: 'channel', detail: '' })
        return
      }
      device.preview.picture(channel).then(
        (image) => {
          res.set({ 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store' })
          res.send(image)
        },
        (err: unknown) => {
          const failure = previewFailure(err)
          res.status(failure.reason === 'busy' ? 429 : 502).json(failure)
        },
      )
    },
  )

  // The device report (report.ts) behind the camera dialog's Device report button: it names the addresses of
  // the device's clients and asks the device a few questions, so it takes the right to change cameras and the
  // editor's own header, as /capabilities does. Its text holds no secret; the answer is that text alone.
  RED.httpAdmin.get(
    '/dahua-camera/:id/report',
    RED.auth.needsPermission('dahua-camera.write'),
    sameSite,
    fromEditor,
    (req, res) => {
      const device = deployed(req, res)
      if (!device) {
        return
      }
      device.report().then(
        (report) => res.json({ report }),
        (err: unknown) =>
          res
            .status(500)
            .json({ error: err instanceof Error ? printable(err.message).slice(0, 200) : 'failed' }),
      )
    },
  )

  RED.nodes.registerType<DahuaCameraNode, DahuaCameraConfig, unknown, Partial<CameraCredentials>>(
    'dahua-camera',
    DahuaCameraNodeConstructor,
    {
      credentials: { username: { type: 'text' }, password: { type: 'password' } },
    },
  )
}

/** Counts a name, up to MAX_CODES names: a camera that names a new rule in every event cannot grow the list. */
function count(seen: Map<string, number>, name: string | undefined): void {
  if (name !== undefined && (seen.has(name) || seen.size < MAX_CODES)) {
    seen.set(name, (seen.get(name) ?? 0) + 1)
  }
}
