// SPDX-License-Identifier: Apache-2.0
// One JSON-RPC session with a device over HTTP (`/RPC2_Login`, `/RPC2`), for what its CGI cannot do (a door
// station without accessControl.cgi, hanging up a call). One login per device, shared by every call and kept
// alive, because each login writes a line to the device's log and its session table is small; and its refusals
// count against the same login budget as the camera's stream (acting-and-doors.md §2.1).

import { createHash } from 'node:crypto'
import { LoginsPaused, type HttpSession } from './http-session'

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

/** The device refused this login (counted in the camera's login budget). */
export class Rpc2LoginRefused extends Error {
  override readonly name = 'Rpc2LoginRefused'
}

/** "Method not found!": the device has no such interface (acting-and-doors.md §2.1). */
export const METHOD_NOT_FOUND = 268894210
/** The session expired: log in again once and repeat the call. */
const SESSION_EXPIRED = 287637504

interface Reply {
  result?: unknown
  params?: Record<string, unknown>
  error?: { code?: unknown; message?: unknown }
  session?: unknown
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
  ) {}

  /** Calls `method` (on `object`, an instance from a `factory.instance`), logging in first if need be. */
  async call(method: string, params?: Record<string, unknown>, object?: unknown): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.login()
      const reply = await this.send('/RPC2', {
        method,
        ...(params ? { params } : {}),
        ...(object !== undefined ? { object } : {}),
        session,
      })
      if (reply.result === false && errorCode(reply) === SESSION_EXPIRED && attempt === 0) {
        this.forget(session)
        continue
      }
      if (reply.result === false || reply.result === undefined) {
        throw new Rpc2Error(errorCode(reply), str(reply.error?.message, 'result false').slice(0, 120))
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
   * The two steps: a `global.login` without a password is answered with a challenge (`realm`, `random`) and a
   * session; then `MD5_UPPER(user:random:MD5_UPPER(user:realm:pass))` on that session (rroller rpc2.py).
   */
  private async logIn(): Promise<string> {
    const budget = this.http.budget
    const paused = budget.waitMs(Date.now())
    if (paused > 0) {
      throw new LoginsPaused(Date.now() + paused)
    }
    const { username, password } = this.credentials
    const base = { userName: username, clientType: 'Web3.0', loginType: 'Direct' }
    const challenge = await this.send('/RPC2_Login', {
      method: 'global.login',
      params: { ...base, password: '' },
    })
    const realm = str(challenge.params?.realm, '')
    const random = str(challenge.params?.random, '')
    const session =
      typeof challenge.session === 'string' || typeof challenge.session === 'number'
        ? String(challenge.session)
        : ''
    if (!realm || !random || !session) {
      throw new Rpc2Error(errorCode(challenge), 'no login challenge')
    }
    const hash = md5Upper(`${username}:${random}:${md5Upper(`${username}:${realm}:${password}`)}`)
    const reply = await this.send('/RPC2_Login', {
      method: 'global.login',
      params: { ...base, password: hash, authorityType: str(challenge.params?.encryption, 'Default') },
      session,
    })
    if (reply.result !== true) {
      budget.refuse(Date.now())
      throw new Rpc2LoginRefused('login refused')
    }
    budget.accept()
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
      closing ? {} : { signal: this.signal },
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

function errorCode(reply: Reply): number | undefined {
  const code = Number(reply.error?.code)
  return Number.isFinite(code) ? code : undefined
}

/** A string or number from the device's JSON as text (at most 128 characters), else `fallback`. */
function str(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 128) : fallback
}

function md5Upper(text: string): string {
  return createHash('md5').update(text).digest('hex').toUpperCase()
}
