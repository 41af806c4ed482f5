// SPDX-License-Identifier: Apache-2.0
// A scriptable Dahua camera on a real socket: digest or basic login, the attach stream with heartbeats, and
// the faults real cameras have (drops, stalls, refused connections, error statuses, garbage, an endless
// part). It is one of the device profiles in profiles.ts, and keeps its connections alive as an HTTP/1.1
// server (and every reverse proxy) does, or closes each one as many cameras do. The tests, `npm start`'s demo
// and users without a camera all use this one.

import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { CameraEvent } from '../lib/types'
import { SimulatedDevice } from './device'
import { SimulatedDoor } from './door'
import { SimulatedRpc2, remember } from './rpc2'
import { profileNamed, type DeviceProfile } from './profiles'
import { BOUNDARY, encodeEvent, formatHeartbeat, formatPart, type PartFormat } from './wire'
import { PICTURE } from './picture'
import { DiscoveryResponder, simulatedMac, type DiscoveryIdentity, type DiscoveryOptions } from './discovery'

export interface SimulatorOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  username?: string
  password?: string
  /** Which device this is (profiles.ts; default `ipc`). The options below override parts of it. */
  profile?: string | DeviceProfile
  /**
   * `keep-alive` (default): answers keep their connection open, as an HTTP/1.1 server does and as an Amcrest
   * IP3M-943B, a Dahua DVR and NVR web servers do (hb#21, hb#3, Plum-Island#204); the attach is then chunked.
   * `close`: `Connection: close` on everything, the 401 included, as many cameras answer (rroller#597).
   */
  connection?: 'keep-alive' | 'close'
  /**
   * `basic`: old firmware that only knows Basic (`realm="Device_CGI"`, rroller#583). `both`: a challenge for each
   * (Basic first), either answer accepted, as some web servers and proxies offer. Changeable with `setAuth`
   * (an impostor that asks for Basic after the real camera did Digest).
   */
  auth?: 'digest' | 'basic' | 'both'
  /** Overrides the heartbeat interval the client asks for (tests use fractions of a second). */
  heartbeatMs?: number
  /** false: firmware that ignores `heartbeat=` and never sends one (hb#21). */
  heartbeats?: boolean
  /** Serve https with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** Codes getEventIndexes does not track: it answers "Error: No Events" for them whatever is active. */
  untrackedCodes?: string[]
  /** getEventIndexes answers after this long (default 20 ms). */
  indexesDelayMs?: number
  /** snapshot.cgi answers after this long (default 20 ms). */
  snapshotDelayMs?: number
  /**
   * The answer to an attach reaches the client this long after the camera registered it and began sending it
   * events, which wait behind the answer: a busy camera or slow link, where the old stream's copy of an event
   * arrives first during a refresh.
   */
  attachAnswerDelayMs?: number
  deviceType?: string
  serialNumber?: string
  /**
   * CGI scripts this user may not use although the login is right (`snapshot.cgi`): the camera answers 401,
   * as an NVR did to a user without snapshot rights (rroller#251), or 403 (rroller#647: reads work, writes 403).
   */
  forbidden?: Record<string, 401 | 403>
  /**
   * CGI scripts the camera takes a request for and then answers badly (review-2026-12.md 7 and 11): `silent`
   * never answers; `trickle` sends its 200 at once and then a byte every 300 ms for 8 s; `busy-once` answers the
   * first request 503, as a busy camera does, and the rest as usual; `late` carries each request out at once and
   * answers it 0.5 s later (test-only timing, not a device's: what matters is an answer still under way).
   */
  slowAnswers?: Record<string, 'silent' | 'trickle' | 'busy-once' | 'late'>
  /** Answer every request with a redirect to this URL (a proxy or a camera that moved to https). */
  redirectTo?: string
  /**
   * A hostile camera's answers: `snapshot.cgi`, `getEventIndexes`, `configManager.cgi?action=getConfig` and
   * `coaxialControlIO.cgi?action=getStatus` answer this many bytes (a JPEG of that size; `channels[n]=n` lines;
   * table lines; status lines), chunked without a Content-Length, as fast as the client reads. `challenge`: the
   * body of every 401 login challenge (review-2026-12.md 4).
   */
  answerBytes?: { snapshot?: number; indexes?: number; config?: number; status?: number; challenge?: number }
  /** Answer Dahua's LAN discovery on UDP (discovery.ts), from `listen()` on; off by default. */
  discovery?: DiscoveryOptions
}

export interface SimulatorRequest {
  url: string
  /** `none`: no credentials (a challenge was sent); `ok`; `refused`: wrong credentials. */
  auth: 'none' | 'ok' | 'refused'
  status: number
  /** The scheme of the credentials it carried, if any. */
  scheme?: 'digest' | 'basic'
}

interface Stream {
  res: http.ServerResponse
  heartbeat: NodeJS.Timeout | undefined
  stalled: boolean
  /** What was sent before the answer left (attachAnswerDelayMs). */
  waiting?: Array<string | Buffer>
  /** What was written while its path was cut (outage()): delivered late by restore(). */
  cutOff?: Array<string | Buffer>
}

export interface SimulatorEvents {
  request: [SimulatorRequest]
  attach: []
  detach: []
}

export class CameraSimulator extends EventEmitter<SimulatorEvents> {
  readonly requests: SimulatorRequest[] = []
  /** Attaches answered 200 since start. */
  attaches = 0
  refusedLogins = 0
  username: string
  password: string
  readonly profile: DeviceProfile
  /** What the device has been told to do: its configuration, outputs, PTZ and reboots (device.ts). */
  readonly device: SimulatedDevice
  /** A doorbell's or door station's door, calls and JSON-RPC interface (door.ts), if the profile is one. */
  readonly door: SimulatedDoor | undefined
  /** The JSON-RPC interface (rpc2.ts): one login and session table for the door's and the settings' methods. */
  readonly rpc2: SimulatedRpc2
  private readonly options: SimulatorOptions
  private readonly server: http.Server
  private readonly streams = new Set<Stream>()
  private readonly sockets = new Set<Socket>()
  private readonly nonces = new Set<string>()
  /** Digest responses and client nonces received, for tests that search what the client shows for them. */
  private readonly received = new Set<string>()
  private forcedStatus: number | undefined
  private boundPort = 0
  private discoveryResponder: DiscoveryResponder | undefined
  /** What the camera has active, as getEventIndexes reports it: code -> 0-based indexes. */
  private readonly active = new Map<string, Set<number>>()
  snapshotFails = false
  /** Answers the client stopped reading before their end (it closed the connection), and bytes written to them. */
  abandonedAnswers = 0
  answerBytesWritten = 0
  private authMode: 'digest' | 'basic' | 'both'
  /** CGI calls beside the stream being answered right now, and the most there ever were at once. */
  cgiInFlight = 0
  maxCgiInFlight = 0
  /**
   * Picture requests (`snapshot.cgi`, login accepted) whose connection the client closed before their answer was
   * sent: it gave up on them. Test-only: a real camera tells nobody; it just stops sending.
   */
  snapshotsClosedEarly = 0

  constructor(options: SimulatorOptions = {}) {
    super()
    this.options = options
    this.profile =
      typeof options.profile === 'object' ? options.profile : profileNamed(options.profile ?? 'ipc')
    this.authMode = options.auth ?? this.profile.auth
    this.rpc2 = new SimulatedRpc2(() => ({
      username: this.username,
      password: this.password,
      realm: this.realm,
    }))
    this.device = new SimulatedDevice(this.profile.controls, this.profile.channels, this.rpc2)
    this.door = this.profile.door
      ? new SimulatedDoor(this.profile.door, (event) => this.send(event), this.rpc2)
      : undefined
    this.username = options.username ?? 'admin'
    this.password = options.password ?? 'admin'
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => this.handle(req, res)
    this.server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler)
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    // A TLS handshake the client refused is the client's business; it must not take the simulator down.
    this.server.on('tlsClientError', () => undefined)
  }

  private get keepAlive(): boolean {
    return this.options.connection !== 'close'
  }

  /** The headers of every answer but the attach: `Connection: close` unless connections are kept alive. */
  private headers(contentType = 'text/plain'): http.OutgoingHttpHeaders {
    return this.keepAlive
      ? { 'Content-Type': contentType }
      : { 'Content-Type': contentType, Connection: 'close' }
  }

  /** Which login the camera asks for from now on. */
  setAuth(mode: 'digest' | 'basic' | 'both'): void {
    this.authMode = mode
  }

  get port(): number {
    return this.boundPort
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.options.host ?? '127.0.0.1'}:${this.boundPort}`
  }

  /** TCP connections open right now, kept-alive idle ones included. */
  get openSockets(): number {
    return this.sockets.size
  }

  /** Attach streams open right now. */
  get openStreams(): number {
    return this.streams.size
  }

  /** Listens on `port`: by default the one it had (a camera back from a reboot), else the configured one. */
  async listen(port = this.boundPort || this.options.port || 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address()
    this.boundPort = typeof address === 'object' && address ? address.port : 0
    if (this.options.discovery && !this.discoveryResponder) {
      this.discoveryResponder = new DiscoveryResponder(() => this.discoveryIdentity(), this.options.discovery)
      await this.discoveryResponder.listen(this.options.host ?? '127.0.0.1')
    }
    return this.boundPort
  }

  /** The UDP port the discovery answers come from (0: discovery is off). */
  get discoveryPort(): number {
    return this.discoveryResponder?.port ?? 0
  }

  /** Searches answered since `listen()`. */
  get discoveryAnswers(): number {
    return this.discoveryResponder?.answered ?? 0
  }

  /**
   * Who this device says it is when searched for: its model, serial, firmware (the version without its build
   * date, as `Version` is in every captured answer) and HTTP port. The class is the family's: `VTO` for a door
   * station (the VTO2000A's answer), `NVR` for a recorder (rroller `discovery.py` lists the NVR5464 so, with
   * its cameras in `RemoteVideoInputChannels`), `IPC` else. An Amcrest doorbell's own class is not published:
   * it answers as the VTO did.
   */
  private discoveryIdentity(): DiscoveryIdentity {
    const profile = this.profile
    const recorder = profile.channels > 1
    return {
      deviceClass: profile.door ? 'VTO' : recorder ? 'NVR' : 'IPC',
      model: this.options.deviceType ?? profile.model,
      serial: this.serialNumber,
      firmware: profile.firmware.split(',')[0] ?? profile.firmware,
      address: this.options.host ?? '127.0.0.1',
      httpPort: this.boundPort,
      mac: simulatedMac(this.serialNumber),
      remoteChannels: recorder ? profile.channels : 0,
    }
  }

  async close(): Promise<void> {
    await this.discoveryResponder?.close()
    this.discoveryResponder = undefined
    this.drop()
    this.device.close()
    this.door?.close()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) {
      socket.destroy()
    }
    await closed
  }

  /** Sends one event to every open stream, and keeps what getEventIndexes reports in step with it. */
  send(event: CameraEvent, format?: PartFormat): void {
    this.setActive(
      event.code,
      event.index,
      event.action === 'Start' ? true : event.action === 'Stop' ? false : undefined,
    )
    this.sendRaw(formatPart(encodeEvent(event, this.profile.json), format))
  }

  /**
   * Changes what is active without sending anything: a Start or Stop that happened while no stream was open
   * (the camera does not replay it).
   */
  setActive(code: string, index: number, active: boolean | undefined): void {
    if (active === undefined) {
      return
    }
    const indexes = this.active.get(code) ?? new Set<number>()
    this.active.set(code, indexes)
    if (active) {
      indexes.add(index)
    } else {
      indexes.delete(index)
    }
  }

  /** Writes bytes as they are to every open stream (garbage, hand-made parts). */
  sendRaw(bytes: string | Buffer): void {
    for (const stream of this.streams) {
      write(stream, bytes)
    }
  }

  /**
   * The path of every open stream is cut, as on a network that silently drops every packet: what the camera writes
   * meanwhile, events and heartbeats, waits in its socket, and restore() delivers it late, as TCP retransmits it
   * once the path is back (network-faults.md 1: a keepalive-only client received every event of a 20 s and a 60 s
   * outage, late). Streams attached afterwards are not cut: the package's new path works. The test in a network
   * namespace (test/netns) makes the real fault.
   */
  outage(): void {
    for (const stream of this.streams) {
      stream.cutOff ??= []
    }
  }

  /** The cut paths work again: each delivers what was written while it was cut, then carries on. */
  restore(): void {
    for (const stream of this.streams) {
      const late = stream.cutOff
      stream.cutOff = undefined
      for (const bytes of late ?? []) stream.res.write(bytes)
    }
  }

  /** Starts a part that claims a huge length and sends `bytes` of it (default 2 MiB), then nothing more of it. */
  sendEndlessPart(bytes = 2 * 1024 * 1024): void {
    this.sendRaw(
      `--${BOUNDARY}\r\nContent-Type: text/plain\r\nContent-Length:999999999\r\n\r\nCode=Endless;data=`,
    )
    const block = Buffer.alloc(64 * 1024, 0x78)
    for (let sent = 0; sent < bytes; sent += block.length) {
      this.sendRaw(block)
    }
  }

  /** The camera drops every stream (reboot, network cut). */
  drop(): void {
    for (const stream of this.streams) {
      stream.res.socket?.destroy()
    }
  }

  /** Every open stream goes silent with its socket left open: a half-open connection. */
  stall(): void {
    for (const stream of this.streams) {
      stream.stalled = true
      clearInterval(stream.heartbeat)
    }
  }

  /** Answer every attach with this status (a number), or normally again (undefined). */
  respondWith(status: number | undefined): void {
    this.forcedStatus = status
  }

  /** Stop accepting TCP connections (ECONNREFUSED) and drop what is open; `false` listens again. */
  async refuseConnections(refuse: boolean): Promise<void> {
    if (refuse) {
      await this.close()
    } else {
      await this.listen()
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/'
    const scheme = /^(digest|basic) /i.exec(req.headers.authorization ?? '')?.[1]?.toLowerCase()
    const record = (auth: SimulatorRequest['auth'], status: number): void => {
      const request: SimulatorRequest = {
        url,
        auth,
        status,
        ...(scheme ? { scheme: scheme as 'digest' | 'basic' } : {}),
      }
      this.requests.push(request)
      this.emit('request', request)
    }
    const script = /^\/cgi-bin\/([\w.]+)/.exec(url)?.[1] ?? ''
    const slow = this.options.slowAnswers?.[script]
    const answer = (status: number, body: string | Buffer, contentType?: string): void => {
      const send = (): void => {
        if (res.destroyed) return
        res.writeHead(status, this.headers(contentType))
        res.end(body)
      }
      // Carried out now, answered later: a request whose answer is still on its way when Node-RED stops.
      if (slow === 'late') setTimeout(send, 500)
      else send()
    }
    if (this.options.redirectTo) {
      record('none', 302)
      res.writeHead(302, { ...this.headers(), Location: `${this.options.redirectTo}${url}` })
      res.end()
      return
    }
    // JSON-RPC has its own login in the body, not HTTP's (rpc2.ts).
    if (req.method === 'POST' && (url === '/RPC2_Login' || url === '/RPC2')) {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= 64 * 1024) chunks.push(chunk)
      })
      req.on('end', () => {
        const reply = this.rpc2.handle(url, Buffer.concat(chunks).toString('utf8'))
        record('none', reply.status)
        answer(reply.status, reply.body, 'application/json')
      })
      return
    }
    const auth = this.checkAuth(req)
    if (auth !== 'ok') {
      if (auth === 'refused') {
        this.refusedLogins++
      }
      record(auth, 401)
      // A fresh nonce on every challenge (rroller#603); with the connection kept or closed as configured.
      if (this.options.answerBytes?.challenge) {
        const challenge = { 'WWW-Authenticate': this.challenges() }
        this.flood(
          res,
          this.options.answerBytes.challenge,
          () => 'Invalid Authority!\r\n'.repeat(64),
          401,
          challenge,
        )
        return
      }
      res.writeHead(401, { ...this.headers(), 'WWW-Authenticate': this.challenges() })
      res.end('Error\r\nInvalid Authority!\r\n')
      return
    }
    const refusal = this.options.forbidden?.[script]
    if (refusal) {
      record('ok', refusal)
      answer(refusal, 'Error\r\nNo Authority!\r\n')
      return
    }
    if (!url.includes('action=attach')) {
      this.maxCgiInFlight = Math.max(this.maxCgiInFlight, ++this.cgiInFlight)
      res.on('close', () => this.cgiInFlight--)
    }
    if (script === 'snapshot.cgi') {
      res.on('close', () => {
        if (!res.writableFinished) this.snapshotsClosedEarly++
      })
    }
    if (slow === 'busy-once') {
      delete this.options.slowAnswers?.[script]
      record('ok', 503)
      answer(503, 'Error\r\nService Unavailable\r\n')
      return
    }
    if (slow === 'silent' || slow === 'trickle') {
      record('ok', 200)
      if (slow === 'trickle') {
        res.writeHead(200, this.headers())
        let left = 8_000 / 300
        const tick = setInterval(() => {
          if (left-- <= 0 || res.destroyed) {
            clearInterval(tick)
            if (!res.destroyed) res.end()
            return
          }
          res.write('.')
        }, 300)
        res.on('close', () => clearInterval(tick))
      }
      return
    }
    const indexes = /^\/cgi-bin\/eventManager\.cgi\?action=getEventIndexes&code=(\w+)$/.exec(url)
    if (indexes) {
      record('ok', 200)
      if (this.options.answerBytes?.indexes) {
        this.flood(res, this.options.answerBytes.indexes, (i) => `channels[${i}]=${i}\r\n`)
        return
      }
      // Answered a little later, like a real camera, so that concurrent calls overlap; what it says is the
      // state when it was asked, so the stream can say something newer before the answer arrives.
      const body = this.eventIndexes(indexes[1] as string)
      setTimeout(() => answer(200, body), this.options.indexesDelayMs ?? 20)
      return
    }
    const info = this.magicBox(url) ?? this.config(url)
    if (info !== undefined) {
      record('ok', 200)
      answer(200, info)
      return
    }
    if (this.options.answerBytes?.config && url.startsWith('/cgi-bin/configManager.cgi?action=getConfig')) {
      record('ok', 200)
      this.flood(res, this.options.answerBytes.config, (i) => `table.MotionDetect[${i}].Enable=true\r\n`)
      return
    }
    const door = this.door?.cgi(url)
    if (door) {
      record('ok', door.status)
      answer(door.status, door.body)
      return
    }
    if (
      this.options.answerBytes?.status &&
      url.startsWith('/cgi-bin/coaxialControlIO.cgi?action=getStatus')
    ) {
      record('ok', 200)
      this.flood(res, this.options.answerBytes.status, (i) => `status.status.Speaker${i}=Off\r\n`)
      return
    }
    const control = this.device.handle(url)
    if (control) {
      record('ok', control.status)
      answer(control.status, control.body)
      return
    }
    const snapshot = /^\/cgi-bin\/snapshot\.cgi\?channel=(\d+)$/.exec(url)
    if (snapshot) {
      const channel = Number(snapshot[1])
      // 1-based: channel=0 answers 400 on an NVR5464 (rr PR#707), and so does one the device does not have.
      const status = this.snapshotFails ? 500 : channel < 1 || channel > this.profile.channels ? 400 : 200
      record('ok', status)
      if (status === 200 && this.options.answerBytes?.snapshot) {
        res.setHeader('Content-Type', 'image/jpeg')
        this.flood(res, this.options.answerBytes.snapshot, (i) => (i === 0 ? '\xff\xd8' : 'x'.repeat(4094)))
        return
      }
      setTimeout(() => {
        if (status === 200) {
          answer(200, jpeg(channel, this.profile.snapshotQuirk), 'image/jpeg')
        } else {
          answer(status, 'Error\r\n')
        }
      }, this.options.snapshotDelayMs ?? 20)
      return
    }
    if (!url.startsWith('/cgi-bin/eventManager.cgi?action=attach')) {
      record('ok', 404)
      answer(404, 'Error\r\nBad Request!\r\n')
      return
    }
    // Old firmware answers 400 to percent-encoded brackets (HA#33875).
    if (/%5B|%5D/i.test(url)) {
      record('ok', 400)
      answer(400, 'Error\r\nBad Request!\r\n')
      return
    }
    if (this.forcedStatus !== undefined) {
      record('ok', this.forcedStatus)
      answer(this.forcedStatus, 'Error\r\n')
      return
    }
    record('ok', 200)
    this.attach(url, res)
  }

  /**
   * Writes `bytes` of `piece(0) piece(1) ...` (latin1), chunked, as fast as the client reads; counts an answer
   * the client closed before its end.
   */
  private flood(
    res: http.ServerResponse,
    bytes: number,
    piece: (i: number) => string,
    status = 200,
    extra: Record<string, string | string[]> = {},
  ): void {
    res.writeHead(status, { ...this.headers(res.getHeader('Content-Type') as string | undefined), ...extra })
    let sent = 0
    let i = 0
    let finished = false
    res.on('close', () => {
      if (!finished) {
        this.abandonedAnswers++
      }
    })
    const more = (): void => {
      while (sent < bytes && !res.destroyed) {
        const chunk = Buffer.from(piece(i++), 'latin1').subarray(0, bytes - sent)
        sent += chunk.length
        this.answerBytesWritten += chunk.length
        if (!res.write(chunk)) {
          res.once('drain', more)
          return
        }
      }
      if (!res.destroyed) {
        finished = true
        res.end()
      }
    }
    more()
  }

  private attach(url: string, res: http.ServerResponse): void {
    const stream: Stream = { res, heartbeat: undefined, stalled: false }
    const answer = (): void => {
      if (this.keepAlive) {
        // Kept alive, the body must be delimited: chunked, as a reverse proxy in front of a camera sends it.
        res.writeHead(200, {
          'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
          'Cache-Control': 'no-cache',
        })
      } else {
        // A camera's stream is close-delimited: no Content-Length and no chunked encoding (dahua-protocol.md 1.2).
        res.removeHeader('Transfer-Encoding')
        res.writeHead(200, {
          'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
          'Cache-Control': 'no-cache',
          Connection: 'close',
        })
      }
      res.flushHeaders()
      for (const bytes of stream.waiting ?? []) res.write(bytes)
      stream.waiting = undefined
      const seconds = Number(/[?&]heartbeat=(\d+)/.exec(url)?.[1] ?? 0)
      const interval = this.options.heartbeatMs ?? seconds * 1000
      if (this.options.heartbeats !== false && interval > 0) {
        stream.heartbeat = setInterval(() => write(stream, formatHeartbeat()), interval)
        write(stream, formatHeartbeat())
      }
    }
    const delay = this.options.attachAnswerDelayMs ?? 0
    let answering: NodeJS.Timeout | undefined
    if (delay > 0) {
      stream.waiting = []
      answering = setTimeout(answer, delay)
    } else {
      answer()
    }
    this.streams.add(stream)
    this.attaches++
    res.on('close', () => {
      clearTimeout(answering)
      clearInterval(stream.heartbeat)
      this.streams.delete(stream)
      this.emit('detach')
    })
    this.emit('attach')
  }

  /**
   * What magicBox.cgi says about the device, in its key=value lines (dahua-protocol.md 3.2). A recorder's
   * getSystemInfo says `deviceType=31`; its model is in getDeviceType and updateSerial (DahuaBridge captures).
   */
  private magicBox(url: string): string | undefined {
    const profile = this.profile
    const model = this.options.deviceType ?? profile.model
    const deviceType = this.options.deviceType ?? profile.systemDeviceType
    switch (url) {
      case '/cgi-bin/magicBox.cgi?action=getSystemInfo':
        return `appAutoStart=true\r\ndeviceType=${deviceType}\r\nhardwareVersion=1.00\r\nprocessor=S3LM\r\nserialNumber=${this.serialNumber}\r\nupdateSerial=${model}\r\n`
      case '/cgi-bin/magicBox.cgi?action=getDeviceType':
        return `type=${model}\r\n`
      case '/cgi-bin/magicBox.cgi?action=getSoftwareVersion':
        return `version=${profile.firmware}\r\n`
      default:
        return undefined
    }
  }

  /**
   * `configManager.cgi` tables this device has: a recorder's channel names (dahua-protocol.md 3.3), and its camera
   * slots keyed `uuid:System_CONFIG_NETCAMERA_INFO_<slot>` in the order real answers list them, slot 10 after 1
   * (fixtures nvr-n843a8-remotedevice-devicetype.txt, nvr5464-remotedevice-enable.txt).
   */
  private config(url: string): string | undefined {
    const titles = this.profile.channelTitles
    const remote = this.profile.remoteDevices
    if (url === '/cgi-bin/configManager.cgi?action=getConfig&name=RemoteDevice' && remote) {
      return remote
        .map((slot, i) => {
          const key = `table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_${i}`
          return `${key}.DeviceType=${slot.deviceType}\r\n${key}.Enable=${slot.enable}\r\n${key}.ProtocolType=Private\r\n`
        })
        .sort()
        .join('')
    }
    if (url !== '/cgi-bin/configManager.cgi?action=getConfig&name=ChannelTitle' || !titles) {
      return undefined
    }
    return titles.map((name, i) => `table.ChannelTitle[${i}].Name=${name}\r\n`).join('')
  }

  private get serialNumber(): string {
    return this.options.serialNumber ?? 'SIM0000001'
  }

  private eventIndexes(code: string): string {
    const untracked = this.options.untrackedCodes ?? this.profile.untrackedCodes
    const indexes = untracked.includes(code) ? [] : [...(this.active.get(code) ?? [])]
    // Format as measured on a DHI-NVR5464-16P-EI (dahua-protocol.md 3.1).
    return indexes.length > 0
      ? indexes.map((index, i) => `channels[${i}]=${index}\r\n`).join('')
      : 'Error: No Events\r\n'
  }

  private challenges(): string | string[] {
    const basic = 'Basic realm="Device_CGI"'
    return this.authMode === 'basic'
      ? basic
      : this.authMode === 'both'
        ? [basic, this.digestChallenge()]
        : this.digestChallenge()
  }

  private digestChallenge(): string {
    const nonce = randomBytes(12).toString('hex')
    this.nonces.add(nonce)
    if (this.nonces.size > 1000) {
      this.nonces.delete(this.nonces.values().next().value as string)
    }
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", opaque="${md5(this.realm)}"`
  }

  /**
   * Every secret of a login this device has handed out or received lately (nonces, digest responses, client
   * nonces, RPC2 sessions and login hashes): what nothing the client shows may contain.
   */
  secrets(): string[] {
    return [...this.nonces, ...this.received, ...this.rpc2.secrets]
  }

  private get realm(): string {
    return `Login to ${this.serialNumber}`
  }

  private checkAuth(req: http.IncomingMessage): 'none' | 'ok' | 'refused' {
    const header = req.headers.authorization ?? ''
    if (this.authMode === 'basic' || (this.authMode === 'both' && header.startsWith('Basic '))) {
      if (!header.startsWith('Basic ')) {
        return 'none'
      }
      const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')
      return user === this.username && rest.join(':') === this.password ? 'ok' : 'refused'
    }
    if (!header.startsWith('Digest ')) {
      return 'none'
    }
    const fields = parseDigest(header.slice(7))
    const { username, nonce, uri, response, qop, nc, cnonce } = fields
    for (const secret of [response, cnonce]) if (secret) remember(this.received, secret)
    // The signed uri must be the request target byte for byte, brackets included (dahua-protocol.md 2.2).
    if (!nonce || !this.nonces.has(nonce) || uri !== req.url || username !== this.username) {
      return 'refused'
    }
    const ha1 = md5(`${this.username}:${this.realm}:${this.password}`)
    const ha2 = md5(`${req.method ?? 'GET'}:${uri}`)
    const expected = qop
      ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`)
    return response === expected ? 'ok' : 'refused'
  }
}

function parseDigest(text: string): Record<string, string | undefined> {
  const fields: Record<string, string> = {}
  for (const match of text.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    fields[match[1] as string] = match[2] ?? match[3] ?? ''
  }
  return fields
}

/**
 * A picture (picture.ts) with a comment segment naming the channel right after its start marker, enough to tell
 * pictures apart, and the quirk the profile's device has: an 8-byte `dhav` trailer after EOI (VTO), or a COM
 * segment whose length field overstates it (HFW2449TL-S-PRO, rr#575).
 */
function jpeg(channel: number, quirk?: DeviceProfile['snapshotQuirk']): Buffer {
  const text = Buffer.from(`channel ${channel}`)
  const comLength = text.length + 2 + (quirk === 'bad-com-length' ? 7 : 0)
  const picture = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xfe, comLength >> 8, comLength & 0xff]),
    text,
    PICTURE.subarray(2),
  ])
  return quirk === 'dhav-trailer'
    ? Buffer.concat([picture, Buffer.from('dhav\x00\x00\x00\x08', 'latin1')])
    : picture
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex')
}

/** Writes to one stream as its state allows: held before its answer or while its path is cut, never when stalled. */
function write(stream: Stream, bytes: string | Buffer): void {
  if (stream.waiting) {
    stream.waiting.push(bytes)
  } else if (stream.cutOff) {
    stream.cutOff.push(bytes)
  } else if (!stream.stalled) {
    stream.res.write(bytes)
  }
}
