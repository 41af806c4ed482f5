// SPDX-License-Identifier: Apache-2.0
// The one way to a camera over HTTP: one urllib client on one keepalive Agent, the login (Digest, or Basic
// when the camera asks for it), the login budget every caller shares, at most two calls beside the stream, and
// one teardown. The attach stream, reconciliation, snapshots and Test connection all go through here, so a
// camera sees one set of sockets and one count of refused logins, and closing releases them all.

import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { Readable } from 'node:stream'
import { Agent, HttpClient, type HttpClientResponse, type RequestOptions } from 'urllib'
import { MAX_STATE_ANSWER_BYTES } from '../limits'
import { LoginBudget, freshLoginMemory, type LoginMemory, type Timing } from './policy'
import { digestAuthorization, digestChallenge } from './digest'
import type { CameraAddress, CameraCredentials, FailureReason } from '../types'

type Connected = (...args: [Error, null] | [null, Socket]) => void
type Connector = (options: object, callback: Connected) => Socket

/**
 * undici's own connector (timeouts, TLS, keepalive), from the undici urllib itself uses: wrapped only to know this
 * session's sockets, so that a stalled stream's keepalive can be turned off (attach-stream.ts).
 */
const { buildConnector } = createRequire(require.resolve('urllib'))('undici') as {
  buildConnector: (options: object) => Connector
}

/** Calls to the camera beside the stream, at most this many at once: a dozen can wedge it (rroller#615). */
const CGI_SLOTS = 2

export interface CgiAnswer {
  status: number
  body: Buffer
}

export interface CgiOptions {
  signal?: AbortSignal
  /** The whole call, answer included, within this long. */
  timeoutMs?: number
  /** The answer's size limit (limits.ts): the call is aborted the moment it passes. */
  maxBytes?: number
  /**
   * A question only some users may ask (the device report's list of sessions, for admins): once the login was
   * accepted, its 401 is this user's rights, remembered as the answer like any other, and it puts no later
   * refusal in doubt. Without this, asking it made the next 401 of any script count towards the lockout.
   */
  rightsProbe?: boolean
}

/** An answer larger than its limit (limits.ts); the request was aborted and its socket released. */
/** A call beside the stream not answered, its answer included, within its limit (classified as a timeout). */
export class CallTimeout extends Error {
  override readonly name = 'CallTimeoutError'
  constructor(readonly limitMs: number) {
    super(`no answer within ${limitMs} ms`)
  }
}

export class AnswerTooLarge extends Error {
  override readonly name = 'AnswerTooLarge'
  constructor(readonly limit: number) {
    super(`answer larger than ${limit} bytes`)
  }
}

/** Logins to this camera are paused after refused passwords (policy.ts): nothing was sent. */
export class LoginsPaused extends Error {
  override readonly name = 'LoginsPaused'
  constructor(readonly until: number) {
    super('logins are paused after refusals')
  }
}

/**
 * The camera asked for Basic login, which this session will not answer: the password would go in clear.
 * - `not-allowed`: over http without the camera node's "allow unencrypted Basic login".
 * - `downgrade`: this camera has logged in with Digest before; a Basic challenge now is not the camera's
 *   firmware but something in between asking for the password in clear.
 */
export class BasicRefused extends Error {
  override readonly name = 'BasicRefused'
  constructor(readonly why: 'not-allowed' | 'downgrade') {
    super(`Basic login ${why}`)
  }
}

interface CameraMemory {
  login: LoginMemory
  /**
   * JSON-RPC login refusals, counted apart (rpc2.ts): a station that takes the digest login and refuses RPC2 would
   * otherwise have each refusal forgotten at the next CGI or attach success, and be sent one refused login per
   * door open without end (security-2026-12.md 2).
   */
  rpc2: LoginMemory
  /** Digest has worked with this camera: a Basic challenge from it is refused from then on. */
  digestWorked: boolean
}

/**
 * What this runtime knows about each camera it logs in to, by host and port: one login budget however many
 * sessions (a redeploy's old and new client, Test connection) talk to it. Bounded: the oldest is forgotten.
 */
const cameras = new Map<string, CameraMemory>()
const MAX_CAMERAS_REMEMBERED = 1024

function memoryOf(address: CameraAddress): CameraMemory {
  const key = `${address.host.toLowerCase()}:${address.port}`
  let memory = cameras.get(key)
  if (!memory) {
    memory = { login: freshLoginMemory(), rpc2: freshLoginMemory(), digestWorked: false }
    cameras.set(key, memory)
    if (cameras.size > MAX_CAMERAS_REMEMBERED) {
      cameras.delete(cameras.keys().next().value as string)
    }
  }
  return memory
}

export class HttpSession {
  readonly budget: LoginBudget
  /** RPC2 logins of these credentials: only an RPC2 login accepted, or a deploy of other credentials, clears it. */
  readonly rpc2Budget: LoginBudget
  private readonly http = new HttpClient()
  private readonly agent: Agent
  private readonly slots = new Gate(CGI_SLOTS)
  /** Every request under way: close() aborts them before it lets the Agent go. */
  private readonly inFlight = new Set<AbortController>()
  private scheme: 'digest' | 'basic' = 'digest'
  private readonly memory: CameraMemory
  /** The camera accepted these credentials, and no attach was refused since. */
  private accepted = false
  /** The last answer was a 401 after a success: rights, or a password changed on the camera; nobody can tell. */
  private doubted = false
  /**
   * CGI scripts the camera refused this user with 401 since the last attach (`snapshot.cgi`): not asked again
   * until then, because each 401 may count as a failed login on the device, and enough of them lock the
   * account the stream needs if the password was changed behind our back. A 403 is not a login (see request).
   */
  private readonly notAllowed = new Map<string, number>()
  private closed = false
  /** This session's open sockets, by local port: how an answer (urllib names its socket's port) finds its own. */
  private readonly sockets = new Map<number, Socket>()
  /** Told the script (`snapshot.cgi`) whose answer passed its size limit. */
  onTooLarge?: (script: string) => void

  constructor(
    private readonly address: CameraAddress,
    private readonly credentials: CameraCredentials,
    readonly timing: Timing,
    private readonly now: () => number,
    /** The camera node's "allow unencrypted Basic login (old firmware)": Basic over plain http. */
    private readonly allowBasic = false,
  ) {
    this.memory = memoryOf(address)
    const fingerprint = createHash('sha256')
      .update(`${credentials.username}\0${credentials.password}`)
      .digest('base64')
    this.budget = new LoginBudget(timing, this.memory.login, fingerprint)
    this.rpc2Budget = new LoginBudget(timing, this.memory.rpc2, fingerprint)
    const connect = buildConnector({
      timeout: timing.connectTimeoutMs,
      // Half-open sockets never error on their own (hb PR #27, pa PR #146): let the kernel probe them.
      keepAlive: true,
      keepAliveInitialDelay: timing.keepAliveInitialDelayMs,
      rejectUnauthorized: address.verifyTls,
    })
    this.agent = new Agent({
      connect: (options: object, callback: Connected) =>
        connect(options, (...args) => {
          const socket = args[1]
          const port = socket?.localPort
          if (socket && port !== undefined) {
            this.sockets.set(port, socket)
            socket.once('close', () => {
              if (this.sockets.get(port) === socket) this.sockets.delete(port)
            })
          }
          callback(...args)
        }),
    })
    this.http.setDispatcher(this.agent)
  }

  /**
   * A failure of a request that got no answer, made more precise where the address allows: a plain HTTP
   * request whose connection the other side closed before answering, on a port that speaks TLS, is a protocol
   * mismatch, not a camera that went away; a timeout says how long was waited.
   */
  async explain(reason: FailureReason, waitedMs: number): Promise<FailureReason> {
    if (reason.kind === 'timeout') {
      return { kind: 'timeout', detail: String(Math.round(waitedMs / 1000)) }
    }
    if (
      reason.kind === 'closed' &&
      this.address.protocol === 'http' &&
      (await speaksTls(this.address.host, this.address.port, this.timing.connectTimeoutMs))
    ) {
      return { kind: 'protocol', detail: 'http-to-https' }
    }
    return reason
  }

  /**
   * Whether the camera has accepted these credentials (and no attach was refused since): a 401 or 403 to a
   * CGI call is then this user's rights, not a wrong password.
   */
  get proven(): boolean {
    return this.accepted
  }

  /** The last call was refused (401) right after a success: the user's rights, or a changed password. */
  get unsure(): boolean {
    return this.doubted
  }

  /**
   * Whether the owner lets the password travel in a readable form: Basic login allowed in the camera node, or
   * TLS. A JSON-RPC login whose challenge asks for the plain or base64 password is made only then.
   */
  get mayRevealPassword(): boolean {
    return this.allowBasic || this.address.protocol === 'https'
  }

  /** How many sockets this session has open to the camera now (the device report says so). */
  get openSockets(): number {
    return [...this.sockets.values()].filter((socket) => !socket.destroyed).length
  }

  get baseUrl(): string {
    const { protocol, host, port } = this.address
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    return `${protocol}://${hostPart}:${port}`
  }

  /**
   * The attach: a streaming GET. Its refusal (401, or 403 for a refused account) is always a refused login:
   * the stream is what the credentials are for.
   */
  attach(
    path: string,
    timeout: [number, number],
    signal: AbortSignal,
  ): Promise<HttpClientResponse<Readable>> {
    return this.request<Readable>(path, { dataType: 'stream', timeout, signal }, true)
  }

  /**
   * Turns TCP keepalive on or off on the connection an answer came on (an attach's), if it is still open.
   */
  keepAliveOf(response: HttpClientResponse<unknown>): ((on: boolean) => void) | undefined {
    const port = (response.res as { socket?: { localPort?: unknown } }).socket?.localPort
    const socket = typeof port === 'number' ? this.sockets.get(port) : undefined
    if (!socket) {
      return undefined
    }
    return (on) => {
      if (!socket.destroyed) {
        socket.setKeepAlive(on, on ? this.timing.keepAliveInitialDelayMs : 0)
      }
    }
  }

  /**
   * A call beside the stream: at most CGI_SLOTS at once, aborted with `signal` or by close(). Its refusals
   * count against the same budget as the stream's, because the camera locks the account whoever logged in
   * wrongly; but once the camera has accepted these credentials, a 401 or 403 here is this user's rights (a
   * user without snapshot rights: rroller#251 answered 401, rroller#647 403), not a wrong password, and must
   * not lock a working camera out of its stream. Such a refusal is remembered: it is the answer, without a
   * request, until the next attach logs in.
   */
  async cgi(path: string, options: CgiOptions = {}): Promise<CgiAnswer> {
    const refused = this.notAllowed.get(script(path))
    if (refused !== undefined) {
      return { status: refused, body: Buffer.alloc(0) }
    }
    return this.inSlot(path, options, async (deadline, timeoutMs) => {
      const paused = this.budget.waitMs(this.now())
      if (paused > 0) {
        throw new LoginsPaused(this.now() + paused)
      }
      return this.request<Readable>(
        path,
        { dataType: 'stream', timeout: [timeoutMs, timeoutMs], signal: deadline },
        false,
        options.rightsProbe,
      )
    })
  }

  /**
   * A JSON-RPC call (`/RPC2_Login`, `/RPC2`: rpc2.ts): a POST of `body` as JSON, in the same call slots and with
   * the same deadline and answer limit as a CGI call. It carries no HTTP login: RPC2 logs in inside the body, and
   * rpc2.ts books its refusals against this session's budget.
   */
  async post(path: string, body: unknown, options: CgiOptions = {}): Promise<CgiAnswer> {
    return this.inSlot(path, options, (deadline, timeoutMs) =>
      this.abortable(deadline, (signal) =>
        this.http.request<Readable>(`${this.baseUrl}${path}`, {
          method: 'POST',
          content: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          dataType: 'stream',
          timeout: [timeoutMs, timeoutMs],
          signal,
          followRedirect: false,
        }),
      ),
    )
  }

  /**
   * One call beside the stream, in one of the CGI_SLOTS, its answer read up to `maxBytes`. The whole call, body
   * included, has a deadline: a camera that trickles an answer must not hold a slot.
   */
  private async inSlot(
    path: string,
    options: CgiOptions,
    call: (deadline: AbortSignal, timeoutMs: number) => Promise<HttpClientResponse<Readable>>,
  ): Promise<CgiAnswer> {
    const { signal, timeoutMs = this.timing.cgiTimeoutMs, maxBytes = MAX_STATE_ANSWER_BYTES } = options
    await this.slots.enter()
    // The deadline, the caller's signal and close() end the call until its whole answer is read: a camera that
    // sends its headers and then trickles the body must not hold a slot, or close() (review-2026-12.md 7).
    const deadline = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      deadline.abort()
    }, timeoutMs)
    const forward = (): void => deadline.abort()
    signal?.addEventListener('abort', forward, { once: true })
    this.inFlight.add(deadline)
    if (this.closed) deadline.abort()
    let body: Readable | undefined
    const end = (): void => {
      body?.destroy()
    }
    deadline.signal.addEventListener('abort', end, { once: true })
    try {
      signal?.throwIfAborted()
      const response = await call(deadline.signal, timeoutMs)
      body = response.res
      if (deadline.signal.aborted) end()
      return { status: response.status, body: await readLimited(response, maxBytes) }
    } catch (err) {
      if (err instanceof AnswerTooLarge) {
        this.onTooLarge?.(script(path))
      }
      // Said as what it is, a call not answered within the limit, not as the abort that ended it.
      throw timedOut ? new CallTimeout(timeoutMs) : err
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', forward)
      deadline.signal.removeEventListener('abort', end)
      this.inFlight.delete(deadline)
      this.slots.leave()
    }
  }

  /**
   * Aborts every request under way, then lets the Agent close its sockets. Never `agent.destroy()`: undici
   * hands one error object to every socket, and urllib's process-wide patch of `net.Socket.prototype.destroy`
   * defines a non-configurable property on it, so the second socket throws inside undici and the rejection
   * ends Node-RED (urllib 4.9.2, undici 7). `close()` gives each connection its own error. Never rejects.
   */
  async close(): Promise<void> {
    this.closed = true
    for (const request of this.inFlight) {
      request.abort()
    }
    try {
      await this.agent.close()
    } catch {
      // Already closed: nothing is left to release.
    }
  }

  /**
   * One GET with the camera's login: follows a change of scheme once (that 401 refused nothing), books refused
   * logins, and never follows a redirect (the credentials would go to whatever host it names).
   */
  private async request<T>(
    path: string,
    options: Pick<RequestOptions, 'dataType' | 'timeout'> & { signal?: AbortSignal },
    isAttach: boolean,
    rightsProbe = false,
  ): Promise<HttpClientResponse<T>> {
    return this.abortable(options.signal, async (signal) => {
      for (let schemeSwitches = 0; ; schemeSwitches++) {
        const sentWith = this.scheme
        const url = `${this.baseUrl}${path}`
        const send = (authorization?: string): Promise<HttpClientResponse<T>> =>
          this.http.request<T>(url, {
            method: 'GET',
            ...options,
            signal,
            followRedirect: false,
            headers: {
              ...(isAttach ? { accept: 'multipart/x-mixed-replace' } : {}),
              ...(authorization ? { authorization } : {}),
            },
            ...this.basicOption(),
          })
        let response = await send()
        const challenge =
          sentWith === 'digest' && response.status === 401
            ? digestChallenge(response.headers['www-authenticate'])
            : undefined
        if (challenge) {
          // The challenge is in the headers: its body is never read (digest.ts).
          discard(response.res)
          const { username, password } = this.credentials
          const target = new URL(url)
          response = await send(
            digestAuthorization('GET', `${target.pathname}${target.search}`, challenge, username, password),
          )
        }
        const status = response.status
        if (status === 401 && schemeSwitches < 2) {
          const wanted = preferredScheme(response.headers['www-authenticate'])
          if (wanted !== undefined && wanted !== sentWith) {
            // A challenge for the other scheme: a Digest request that meets a Basic challenge carried no
            // credentials, and its 401 refused no login.
            if (options.dataType === 'stream') {
              discard(response.res)
            }
            if (wanted === 'basic') {
              this.refuseBasic()
            }
            this.scheme = wanted
            continue
          }
        }
        if (isAttach && (status === 401 || status === 403)) {
          this.budget.refuse(this.now())
          this.accepted = false
          this.doubted = false
        } else if (status === 401) {
          // After a success a 401 is this user's rights or a password changed on the camera: not counted, but
          // the next one is, whatever its script, until a call succeeds again (review-2026-12.md 5).
          if (this.accepted) {
            this.notAllowed.set(script(path), status)
            if (!rightsProbe) {
              this.accepted = false
              this.doubted = true
            }
          } else {
            this.budget.refuse(this.now())
            this.doubted = false
          }
        } else if (status === 403) {
          // Beside the stream a 403 refuses what was asked (one setting on one channel, one picture), not the
          // login or the script: an NVR5464 answers an admin's v1 Lighting write so on every channel and
          // serves every other setting (real-devices-acting.md 3, fixture nvr5464-lighting-403.txt).
        } else if (status >= 200 && status < 300) {
          // Only a success proves the login: a redirect is answered before any login, and a 404 (a station
          // without accessControl.cgi, rr#465) or another error may be, so neither clears the refusals.
          this.budget.accept()
          this.accepted = true
          this.doubted = false
          if (sentWith === 'digest') {
            this.memory.digestWorked = true
          }
          if (isAttach) {
            this.notAllowed.clear()
          }
        }
        return response
      }
    })
  }

  /**
   * Runs `call` with a signal of its own, which the caller's `signal` and close() both abort. (Not
   * AbortSignal.any: on Node 20 every derived signal stays tied to the session's long-lived one.)
   */
  private async abortable<T>(
    signal: AbortSignal | undefined,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const abort = new AbortController()
    const forward = (): void => abort.abort()
    signal?.addEventListener('abort', forward, { once: true })
    if (this.closed || signal?.aborted) {
      abort.abort()
    }
    this.inFlight.add(abort)
    try {
      return await call(abort.signal)
    } finally {
      signal?.removeEventListener('abort', forward)
      this.inFlight.delete(abort)
    }
  }

  /**
   * Basic sends the password in clear (dahua-protocol.md 2.1): never to a camera that has done Digest before
   * (something between us and it is asking), and over plain http only when the user allowed it.
   */
  private refuseBasic(): void {
    if (this.memory.digestWorked) {
      throw new BasicRefused('downgrade')
    }
    if (this.address.protocol === 'http' && !this.allowBasic) {
      throw new BasicRefused('not-allowed')
    }
  }

  /** Basic only after the camera asked for it and refuseBasic() let it: the password goes in clear. */
  private basicOption(): { auth: string } | Record<string, never> {
    const { username, password } = this.credentials
    return this.scheme === 'basic' ? { auth: `${username}:${password}` } : {}
  }
}

/** A counting gate: at most `size` callers inside at once, the rest wait in order. */
class Gate {
  private inside = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly size: number) {}

  enter(): Promise<void> {
    if (this.inside < this.size) {
      this.inside++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  leave(): void {
    const next = this.waiting.shift()
    if (next) {
      next()
    } else {
      this.inside--
    }
  }
}

/** Drops a response body. undici reports a destroyed body as an 'error'; unheard, it would crash Node-RED. */
export function discard(body: Readable): void {
  body.on('error', () => undefined)
  body.destroy()
}

/**
 * The scheme to answer a 401 with, from every challenge offered (one header or several, or several in one):
 * Digest whenever it is offered, Basic only when it is all there is.
 */
function preferredScheme(value: string | string[] | undefined): 'digest' | 'basic' | undefined {
  const challenges = (Array.isArray(value) ? value : [value ?? '']).join(',')
  if (/(^|,)\s*digest\b/i.test(challenges)) {
    return 'digest'
  }
  return /(^|,)\s*basic\b/i.test(challenges) ? 'basic' : undefined
}

/**
 * Reads an answer up to `limit` bytes. A larger one (by its Content-Length, or as it arrives) is not read on:
 * its body is destroyed at once, which closes that socket, and AnswerTooLarge is thrown.
 */
async function readLimited(response: HttpClientResponse<Readable>, limit: number): Promise<Buffer> {
  const body = response.res
  const declared = Number(header(response.headers['content-length']))
  if (declared > limit) {
    discard(body)
    throw new AnswerTooLarge(limit)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) {
        discard(body)
        throw new AnswerTooLarge(limit)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    discard(body)
    throw err
  }
  return Buffer.concat(chunks, size)
}

/** `snapshot.cgi` of `/cgi-bin/snapshot.cgi?channel=1`: what a user's rights are given for. */
function script(path: string): string {
  return /^\/cgi-bin\/([^?]+)/.exec(path)?.[1] ?? path
}

export function header(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
}

/** A 3xx: the camera (or a proxy) sends us elsewhere. Reported, never followed. */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400
}

/** Sorts a transport error into a reason a person can act on. Messages are not kept: they may carry a URL. */
export function classify(err: unknown, open = false): FailureReason {
  if (err instanceof BasicRefused) {
    return { kind: 'basic', detail: err.why }
  }
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined
  const code = text(e?.code) || text(e?.cause?.code)
  const name = text(e?.name)
  const causeName = text(e?.cause?.name)
  // TLS spoken to a port that answers plain HTTP: OpenSSL reads the HTTP reply as a record of a wrong version.
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code)) {
    return { kind: 'protocol', detail: 'https-to-http' }
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO/.test(code)) {
    return { kind: 'tls', detail: code }
  }
  // undici's "other side closed": the camera ended the connection, as a reboot does. A kept-alive (chunked)
  // stream ends so; a close-delimited one just ends.
  if (code === 'UND_ERR_SOCKET') {
    return { kind: 'closed' }
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'stalled', detail: code }
  }
  if (code === 'ECONNREFUSED') {
    return { kind: 'refused' }
  }
  if (/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/.test(code)) {
    return { kind: 'dns' }
  }
  if (/^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN)$/.test(code)) {
    return { kind: 'no-route' }
  }
  // On a stream that was open, ETIMEDOUT is the kernel's keepalive probes going unanswered: the connection was up
  // and went silent, which is not a connection that never came (network-faults.md 3a).
  if (open && code === 'ETIMEDOUT') {
    return { kind: 'keepalive' }
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || /ConnectTimeout/.test(name + causeName) || code === 'ETIMEDOUT') {
    return { kind: 'no-connect' }
  }
  if (/Timeout/.test(name) || /Timeout/.test(causeName) || /TIMEOUT/.test(code)) {
    return { kind: 'timeout' }
  }
  return { kind: 'network', detail: code || name || 'error' }
}

/**
 * Whether `host:port` completes a TLS handshake within `ms`: after plain HTTP met a closed connection before
 * any answer, it tells "this port speaks https" from a camera that went away.
 */
export function speaksTls(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      rejectUnauthorized: false,
      servername: isIP(host) ? undefined : host,
    })
    const done = (result: boolean): void => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      socket.on('error', () => undefined)
      socket.end()
      resolve(result)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}
