// SPDX-License-Identifier: Apache-2.0
// One JSON-RPC session with a device over HTTP (`/RPC2_Login`, `/RPC2`), for what its CGI cannot do (a door
// station without accessControl.cgi, hanging up a call). One login per device, shared by every call and kept
// alive, because each login writes a line to the device's log and its session table is small; and its refusals
// count against the same login budget as the camera's stream (acting-and-doors.md §2.1).

import { createHash } from 'node:crypto'
import { LoginsPaused, type HttpSession } from './http-session'
import { MAX_CONFIG_ANSWER_BYTES } from '../limits'
import { printable } from '../text'

/** A call the device answered with `result: false`, or could not be read. */
export class Rpc2Error extends Error {
  override readonly name = 'Rpc2Error'
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The device refused this login (counted in the camera's login budget). `left`: the device's own count of
 * tries before it locks the account (`params.remainLoginTimes` with 268632085), where it said one.
 */
export class Rpc2LoginRefused extends Error {
  override readonly name: string = 'Rpc2LoginRefused'
  constructor(
    message: string,
    readonly left?: number,
  ) {
    super(message)
  }
}

/** The device has locked the account (268632081, "HasBeenLocked"): no password will do until it unlocks. */
export class Rpc2LoginLocked extends Rpc2LoginRefused {
  override readonly name = 'Rpc2LoginLocked'
}

/** "Method not found!": the device has no such interface (acting-and-doors.md §2.1). */
export const METHOD_NOT_FOUND = 268894210
/** The first `global.login` is answered with this and the challenge (ipcmanview login.go also accepts 401). */
const LOGIN_CHALLENGE = 268632079
/** Wrong user or password; the reply carries `remainLoginTimes` (ipcmanview login.go). */
const LOGIN_REFUSED = 268632085
/** The account is locked (ipcmanview login.go); it may answer the first call, without a challenge. */
const LOGIN_LOCKED = 268632081
/**
 * The session is gone: both codes mean an invalid session (ipcmanview response.go, DahuaBridge rpc.go
 * `isAuthRPCError`); 287637505 is "Invalid session in request data!" (NVR5464, fixtures/devices/door).
 */
const SESSION_GONE = new Set([287637504, 287637505])

export interface Reply {
  result?: unknown
  params?: Record<string, unknown>
  error?: { code?: unknown; message?: unknown }
  /** Some refusals come at the top level instead of in `error` (NVR5464 "Request length error!", rroller tests). */
  errCode?: unknown
  message?: unknown
  session?: unknown
}

/** A refusal's code, from `error.code` or the top-level `errCode`. */
export function errorCode(reply: Reply): number | undefined {
  const raw = reply.error?.code ?? reply.errCode
  const code = Number(raw)
  return raw !== undefined && raw !== null && Number.isFinite(code) ? code : undefined
}

/** A refusal's message, from `error.message` or the top-level `message`. */
export function errorMessage(reply: Reply): string | undefined {
  const message = reply.error?.message ?? reply.message
  // Said in errors and the log: no terminal escapes, no forged second line (security-2026-12.md 4).
  return typeof message === 'string' ? printable(message).slice(0, 120) : undefined
}

/**
 * Whether a reply says the session is no longer valid: 287637504 or 287637505, or a message that names the
 * session (rroller rpc2.py treats any refusal mentioning "session" as a stale login). An unexplained code is not.
 */
export function isSessionGone(reply: Reply): boolean {
  if (reply.result === true) return false
  const code = errorCode(reply)
  return (code !== undefined && SESSION_GONE.has(code)) || /session/i.test(errorMessage(reply) ?? '')
}

/**
 * The second login's password and `loginType` for the challenge's `encryption` (ipcmanview utils.go
 * `HashPassword`, login.go): `Default` is the double upper-case MD5, `Basic` base64(user:pass), anything else
 * (WatchNet among them) the password as it is; `loginType` is `WatchNet` for WatchNet, else `Direct`.
 */
export function loginPassword(
  encryption: string,
  username: string,
  password: string,
  realm: string,
  random: string,
): { password: string; loginType: string } {
  const loginType = encryption === 'WatchNet' ? 'WatchNet' : 'Direct'
  switch (encryption) {
    case 'Default':
      return {
        password: md5Upper(`${username}:${random}:${md5Upper(`${username}:${realm}:${password}`)}`),
        loginType,
      }
    case 'Basic':
      return { password: Buffer.from(`${username}:${password}`, 'utf8').toString('base64'), loginType }
    default:
      return { password, loginType }
  }
}

/** What a refused login was: locked (by code or ipcmanview's message), or refused with the tries left. */
export function loginRefusal(reply: Reply): Rpc2LoginRefused {
  const code = errorCode(reply)
  if (code === LOGIN_LOCKED || errorMessage(reply) === 'HasBeenLocked') {
    return new Rpc2LoginLocked('login locked')
  }
  const left = Number(reply.params?.remainLoginTimes)
  return new Rpc2LoginRefused(
    'login refused',
    code === LOGIN_REFUSED && Number.isInteger(left) && left >= 0 ? left : undefined,
  )
}

export class Rpc2Session {
  private session: string | undefined
  private id = 0
  private keepAlive: NodeJS.Timeout | undefined
  private loggingIn: Promise<string> | undefined

  constructor(
    private readonly http: HttpSession,
    private readonly credentials: { username: string; password: string },
    private readonly signal: AbortSignal,
  ) {
    // One session per deploy (device.ts): a deploy with corrected credentials ends an RPC2 pause, the same ones
    // stay paused.
    http.rpc2Budget.renew()
  }

  /** Whether a login is held on the device now (the device report says so; never which session it is). */
  get loggedIn(): boolean {
    return this.session !== undefined
  }

  /** Calls `method` (on `object`, an instance from a `factory.instance`), logging in first if need be. */
  call(method: string, params?: Record<string, unknown>, object?: unknown): Promise<Reply> {
    return this.withSession((session) => ({
      method,
      ...(params ? { params } : {}),
      ...(object !== undefined ? { object } : {}),
      session,
    }))
  }

  /**
   * Several calls in one request (`system.multicall`), which the device carries out together: a dual-light
   * camera lights its white LEDs only when its two tables come in one transaction (rroller rpc2.py `set_configs`,
   * IPC-Color4M-TZ). Each call must succeed.
   */
  async multicall(calls: Array<{ method: string; params: Record<string, unknown> }>): Promise<Reply> {
    const reply = await this.withSession((session) => ({
      method: 'system.multicall',
      params: calls.map((call) => ({ ...call, id: ++this.id, session })),
      session,
    }))
    const each: unknown = reply.params
    if (!Array.isArray(each) || each.length !== calls.length) {
      throw new Rpc2Error(undefined, 'multicall answer unreadable')
    }
    const at = each.findIndex((one) => (one as Reply | null)?.result !== true)
    if (at >= 0) {
      const refused = (each[at] ?? {}) as Reply
      throw new Rpc2Error(errorCode(refused), errorMessage(refused) ?? 'result false')
    }
    return reply
  }

  private async withSession(body: (session: string) => Record<string, unknown>): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.login()
      const reply = await this.send('/RPC2', body(session))
      // A session the device has dropped (idle, rebooted, table full): one new login and the call once more.
      if (isSessionGone(reply)) {
        this.forget(session)
        if (attempt === 0) continue
      }
      if (reply.result === false || reply.result === undefined) {
        throw new Rpc2Error(errorCode(reply), errorMessage(reply) ?? 'result false')
      }
      return reply
    }
  }

  /** Ends the session on the device (its session table is small), at most within the call limit. Never rejects. */
  async close(): Promise<void> {
    clearInterval(this.keepAlive)
    const session = this.session
    this.session = undefined
    if (session) {
      await this.send('/RPC2', { method: 'global.logout', session }, true).catch(() => undefined)
    }
  }

  /** The session, logging in once for every caller waiting at the same time. */
  private login(): Promise<string> {
    if (this.session) {
      return Promise.resolve(this.session)
    }
    this.loggingIn ??= this.logIn().finally(() => (this.loggingIn = undefined))
    return this.loggingIn
  }

  /**
   * The two steps (ipcmanview login.go): a `global.login` without a password is answered with a challenge
   * (`encryption`, `realm`, `random`) and a session; then the password as the challenge's `encryption` asks,
   * with `authorityType` = that encryption, on that session. A locked account may refuse the first call.
   */
  private async logIn(): Promise<string> {
    const paused = Math.max(this.http.budget.waitMs(Date.now()), this.http.rpc2Budget.waitMs(Date.now()))
    if (paused > 0) {
      throw new LoginsPaused(Date.now() + paused)
    }
    const { username, password } = this.credentials
    const challenge = await this.send('/RPC2_Login', {
      method: 'global.login',
      params: { userName: username, password: '', clientType: 'Web3.0', loginType: 'Direct' },
    })
    const code = errorCode(challenge)
    if (code !== LOGIN_CHALLENGE && code !== 401) {
      if (code === LOGIN_LOCKED || code === LOGIN_REFUSED) {
        throw this.refused(challenge)
      }
      throw new Rpc2Error(code, 'no login challenge')
    }
    const encryption = str(challenge.params?.encryption, 'Default')
    // Any other encryption sends the password as it is or in base64 (ipcmanview utils.go): a device, or someone
    // between, could ask for it so to read it, where the digest login never reveals it.
    if (encryption !== 'Default' && !this.http.mayRevealPassword) {
      throw new Rpc2Error(
        undefined,
        `login asks for the password readable (${encryption}); allow Basic login to send it`,
      )
    }
    const realm = str(challenge.params?.realm, '')
    const random = str(challenge.params?.random, '')
    const session =
      typeof challenge.session === 'string' || typeof challenge.session === 'number'
        ? String(challenge.session)
        : ''
    if (!session || (encryption === 'Default' && (!realm || !random))) {
      throw new Rpc2Error(code, 'no login challenge')
    }
    const second = loginPassword(encryption, username, password, realm, random)
    const reply = await this.send('/RPC2_Login', {
      method: 'global.login',
      params: {
        userName: username,
        password: second.password,
        clientType: 'Web3.0',
        loginType: second.loginType,
        authorityType: encryption,
      },
      session,
    })
    if (reply.result !== true) {
      throw this.refused(reply)
    }
    this.http.budget.accept()
    this.http.rpc2Budget.accept()
    // The second reply's session is the one to use (NVR5232: the first is not usable).
    this.session =
      typeof reply.session === 'string' || typeof reply.session === 'number' ? String(reply.session) : session
    // Kept alive at its interval less 5 s (acting-and-doors.md §2.1): one login serves every later call.
    const interval = Number(reply.params?.keepAliveInterval)
    const every = Math.max(5, Math.min(300, (Number.isFinite(interval) ? interval : 60) - 5)) * 1000
    clearInterval(this.keepAlive)
    this.keepAlive = setInterval(() => {
      const kept = this.session
      if (kept) {
        void this.send('/RPC2', {
          method: 'global.keepAlive',
          params: { timeout: 60, active: true },
          session: kept,
        })
          .then((answer) => {
            if (answer.result === false) this.forget(kept)
          })
          .catch(() => this.forget(kept))
      }
    }, every)
    this.keepAlive.unref()
    return this.session
  }

  /**
   * A refused login, booked in RPC2's own budget, which a CGI or stream success does not clear; and in the
   * camera's, since the device locks the account whoever logged in wrongly, unless HTTP has just proven these
   * credentials: then the password is right and RPC2 is refused for another reason (a login hash other than
   * `Default`, review-2026-12.md), which must not pause the stream's logins. The refusal that spends RPC2's
   * budget is said as the pause it starts; a locked account as locked.
   */
  private refused(reply: Reply): Rpc2LoginRefused | LoginsPaused {
    const now = Date.now()
    if (!this.http.proven) this.http.budget.refuse(now)
    const spent = this.http.rpc2Budget.refuse(now)
    const refusal = loginRefusal(reply)
    return spent && !(refusal instanceof Rpc2LoginLocked)
      ? new LoginsPaused(now + this.http.rpc2Budget.waitMs(now))
      : refusal
  }

  private forget(session: string): void {
    if (this.session === session) {
      this.session = undefined
      clearInterval(this.keepAlive)
    }
  }

  private async send(path: string, body: Record<string, unknown>, closing = false): Promise<Reply> {
    const { status, body: answer } = await this.http.post(
      path,
      { ...body, id: ++this.id },
      // Whole configuration tables (a recorder's lights, its cameras' IVS rules) run to tens of KB.
      { ...(closing ? {} : { signal: this.signal }), maxBytes: MAX_CONFIG_ANSWER_BYTES },
    )
    if (status !== 200) {
      throw new Rpc2Error(undefined, `HTTP ${status}`)
    }
    try {
      const reply = JSON.parse(answer.toString('utf8')) as unknown
      if (!reply || typeof reply !== 'object') throw new Error('not an object')
      return reply
    } catch {
      throw new Rpc2Error(undefined, 'not JSON')
    }
  }
}

/** A string or number from the device's JSON as text (at most 128 characters), else `fallback`. */
function str(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 128) : fallback
}

function md5Upper(text: string): string {
  return createHash('md5').update(text).digest('hex').toUpperCase()
}
