// SPDX-License-Identifier: Apache-2.0
// A scriptable Dahua camera on a real socket: digest or basic login, the attach stream with heartbeats, and
// the faults real cameras have (drops, stalls, refused connections, error statuses, garbage, an endless
// part). The tests, `npm start`'s demo and users without a camera all use this one.

import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { CameraEvent } from '../lib/types'
import { BOUNDARY, encodeEvent, formatHeartbeat, formatPart, type PartFormat } from './wire'

export interface SimulatorOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  username?: string
  password?: string
  /** `basic`: old firmware that only knows Basic (`realm="Device_CGI"`, rroller#583). */
  auth?: 'digest' | 'basic'
  /** Overrides the heartbeat interval the client asks for (tests use fractions of a second). */
  heartbeatMs?: number
  /** false: firmware that ignores `heartbeat=` and never sends one (hb#21). */
  heartbeats?: boolean
  /** Serve https with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** Codes getEventIndexes does not track: it answers "Error: No Events" for them whatever is active. */
  untrackedCodes?: string[]
  /** snapshot.cgi answers after this long (default 20 ms). */
  snapshotDelayMs?: number
  deviceType?: string
  serialNumber?: string
}

export interface SimulatorRequest {
  url: string
  /** `none`: no credentials (a challenge was sent); `ok`; `refused`: wrong credentials. */
  auth: 'none' | 'ok' | 'refused'
  status: number
}

interface Stream {
  res: http.ServerResponse
  heartbeat: NodeJS.Timeout | undefined
  stalled: boolean
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
  private readonly options: SimulatorOptions
  private readonly server: http.Server
  private readonly streams = new Set<Stream>()
  private readonly sockets = new Set<Socket>()
  private readonly nonces = new Set<string>()
  private forcedStatus: number | undefined
  private boundPort = 0
  /** What the camera has active, as getEventIndexes reports it: code -> 0-based indexes. */
  private readonly active = new Map<string, Set<number>>()
  snapshotFails = false
  /** CGI calls beside the stream being answered right now, and the most there ever were at once. */
  cgiInFlight = 0
  maxCgiInFlight = 0

  constructor(options: SimulatorOptions = {}) {
    super()
    this.options = options
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

  get port(): number {
    return this.boundPort
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.options.host ?? '127.0.0.1'}:${this.boundPort}`
  }

  /** Attach streams open right now. */
  get openStreams(): number {
    return this.streams.size
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.boundPort || this.options.port || 0, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address()
    this.boundPort = typeof address === 'object' && address ? address.port : 0
    return this.boundPort
  }

  async close(): Promise<void> {
    this.drop()
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
    this.sendRaw(formatPart(encodeEvent(event), format))
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
      if (!stream.stalled) {
        stream.res.write(bytes)
      }
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
    const record = (auth: SimulatorRequest['auth'], status: number): void => {
      const request = { url, auth, status }
      this.requests.push(request)
      this.emit('request', request)
    }
    const auth = this.checkAuth(req)
    if (auth !== 'ok') {
      if (auth === 'refused') {
        this.refusedLogins++
      }
      record(auth, 401)
      // Dahua answers Connection: close and a fresh nonce on every challenge (rroller#603).
      res.writeHead(401, {
        'WWW-Authenticate': this.challenge(),
        Connection: 'close',
        'Content-Type': 'text/plain',
      })
      res.end('Error\r\nInvalid Authority!\r\n')
      return
    }
    if (!url.includes('action=attach')) {
      this.maxCgiInFlight = Math.max(this.maxCgiInFlight, ++this.cgiInFlight)
      res.on('close', () => this.cgiInFlight--)
    }
    const indexes = /^\/cgi-bin\/eventManager\.cgi\?action=getEventIndexes&code=(\w+)$/.exec(url)
    if (indexes) {
      record('ok', 200)
      // A little later, like a real camera, so that concurrent calls overlap.
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' })
        res.end(this.eventIndexes(indexes[1] as string))
      }, 20)
      return
    }
    const magicBox = this.magicBox(url)
    if (magicBox !== undefined) {
      record('ok', 200)
      res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' })
      res.end(magicBox)
      return
    }
    const snapshot = /^\/cgi-bin\/snapshot\.cgi\?channel=(\d+)$/.exec(url)
    if (snapshot) {
      const status = this.snapshotFails ? 500 : 200
      record('ok', status)
      setTimeout(() => {
        res.writeHead(status, {
          'Content-Type': status === 200 ? 'image/jpeg' : 'text/plain',
          Connection: 'close',
        })
        res.end(status === 200 ? jpeg(Number(snapshot[1])) : 'Error\r\n')
      }, this.options.snapshotDelayMs ?? 20)
      return
    }
    if (!url.startsWith('/cgi-bin/eventManager.cgi?action=attach')) {
      record('ok', 404)
      res.writeHead(404, { Connection: 'close' })
      res.end('Error\r\nBad Request!\r\n')
      return
    }
    // Old firmware answers 400 to percent-encoded brackets (HA#33875).
    if (/%5B|%5D/i.test(url)) {
      record('ok', 400)
      res.writeHead(400, { Connection: 'close' })
      res.end('Error\r\nBad Request!\r\n')
      return
    }
    if (this.forcedStatus !== undefined) {
      record('ok', this.forcedStatus)
      res.writeHead(this.forcedStatus, { Connection: 'close' })
      res.end('Error\r\n')
      return
    }
    record('ok', 200)
    this.attach(url, res)
  }

  private attach(url: string, res: http.ServerResponse): void {
    // A camera's stream is close-delimited: no Content-Length and no chunked encoding (dahua-protocol.md 1.2).
    res.removeHeader('Transfer-Encoding')
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-cache',
      Connection: 'close',
    })
    res.flushHeaders()
    const stream: Stream = { res, heartbeat: undefined, stalled: false }
    const seconds = Number(/[?&]heartbeat=(\d+)/.exec(url)?.[1] ?? 0)
    const interval = this.options.heartbeatMs ?? seconds * 1000
    if (this.options.heartbeats !== false && interval > 0) {
      stream.heartbeat = setInterval(() => res.write(formatHeartbeat()), interval)
      res.write(formatHeartbeat())
    }
    this.streams.add(stream)
    this.attaches++
    res.on('close', () => {
      clearInterval(stream.heartbeat)
      this.streams.delete(stream)
      this.emit('detach')
    })
    this.emit('attach')
  }

  /** What magicBox.cgi says about the device, in its key=value lines (dahua-protocol.md 3.2). */
  private magicBox(url: string): string | undefined {
    const deviceType = this.options.deviceType ?? 'IPC-HDW5831R-ZE'
    switch (url) {
      case '/cgi-bin/magicBox.cgi?action=getSystemInfo':
        return `appAutoStart=true\r\ndeviceType=${deviceType}\r\nhardwareVersion=1.00\r\nprocessor=S3LM\r\nserialNumber=${this.options.serialNumber ?? 'SIM0000001'}\r\nupdateSerial=${deviceType}\r\n`
      case '/cgi-bin/magicBox.cgi?action=getSoftwareVersion':
        return 'version=2.800.0000016.0.R,build:2025-06-05\r\n'
      default:
        return undefined
    }
  }

  private eventIndexes(code: string): string {
    const indexes = this.options.untrackedCodes?.includes(code) ? [] : [...(this.active.get(code) ?? [])]
    // Format as measured on a DHI-NVR5464-16P-EI (dahua-protocol.md 3.1).
    return indexes.length > 0
      ? indexes.map((index, i) => `channels[${i}]=${index}\r\n`).join('')
      : 'Error: No Events\r\n'
  }

  private challenge(): string {
    if (this.options.auth === 'basic') {
      return 'Basic realm="Device_CGI"'
    }
    const nonce = randomBytes(12).toString('hex')
    this.nonces.add(nonce)
    if (this.nonces.size > 1000) {
      this.nonces.delete(this.nonces.values().next().value as string)
    }
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", opaque="${md5(this.realm)}"`
  }

  private get realm(): string {
    return `Login to ${this.options.serialNumber ?? 'SIM0000001'}`
  }

  private checkAuth(req: http.IncomingMessage): 'none' | 'ok' | 'refused' {
    const header = req.headers.authorization ?? ''
    if (this.options.auth === 'basic') {
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

/** A small JPEG-framed picture (SOI ... EOI) that names the channel, enough to tell pictures apart. */
function jpeg(channel: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xfe]),
    Buffer.from(`channel ${channel}`),
    Buffer.from([0xff, 0xd9]),
  ])
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex')
}
