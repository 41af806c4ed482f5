// SPDX-License-Identifier: Apache-2.0
// A simulated device's JSON-RPC interface (`/RPC2_Login`, `/RPC2`): the two-step login, sessions that expire
// when idle, `factory.instance` objects, keepAlive and logout. What each method does is the device's: the door
// (door.ts) and the settings (device.ts) register their methods here, so a device has one RPC2 login and one
// session table whatever its parts (acting-and-doors.md §2.1).

import { createHash, randomBytes } from 'node:crypto'

export interface Rpc2Answer {
  status: number
  body: string
}

/** What a method answers: `result`, with `params` (or an `error` when result is false). */
export interface MethodReply {
  result: unknown
  params?: Record<string, unknown>
  error?: { code: number; message: string }
  /** The error as some methods give it, at the top level (`errCode`, `message`), without an `error` object. */
  topLevel?: { errCode: number; message: string }
}

/**
 * A method of the device: `params` from the request, `object` the interface an instance handle names (the part
 * before `.factory.instance`), undefined without one.
 */
export type Method = (
  params: Record<string, unknown>,
  object: string | undefined,
  /** The params of the `factory.instance` that made the object (`{channel: 1}`: door 2, myhomeiot). */
  instance?: Record<string, unknown>,
) => MethodReply

/** RPC2 error codes (acting-and-doors.md §2.1, ipcmanview `pkg/dahuarpc/error.go`). */
export const LOGIN_CHALLENGE = 268632079
export const METHOD_NOT_FOUND = 268894210
export const SESSION_EXPIRED = 287637504
export const SESSION_INVALID = 287637505
export const LOGIN_REFUSED = 268632085

const MAX_SESSIONS = 64

interface Session {
  random: string
  loggedIn: boolean
  lastSeen: number
}

export class SimulatedRpc2 {
  rpcLogins = 0
  rpcRefusals = 0
  /** Sessions and login hashes handed out or expected lately, for tests that search for them. */
  readonly secrets = new Set<string>()
  /** An RPC2 session unused for this long is gone (NVR5464: alive at 90 s, gone by 150 s). */
  rpcIdleMs = 120_000
  /**
   * How a call on a gone session is refused. 287637505 copies a DHI-NVR5464's answer verbatim, without `id` or
   * `result` (fixtures/devices/door/rpc2-session-invalid-287637505.json, rroller tests); ipcmanview and
   * DahuaBridge treat 287637504 alike.
   */
  invalidSessionCode: 287637504 | 287637505 = 287637504
  /**
   * Refuse every second `global.login`, with the captured refusal, while HTTP's digest login works: the audit's
   * `rpc2-refuse` station (security-2026-12.md 2). No capture shows why a real station would refuse RPC2 and
   * take the same password over HTTP; what is copied is only the refusal itself.
   */
  refuseLogins = false
  private readonly methods = new Map<string, Method>()
  /** Interfaces that have `factory.instance` (`accessControl`, `VideoTalkPhone`). */
  private readonly factories = new Set<string>()
  private readonly sessions = new Map<string, Session>()
  private readonly objects = new Map<number, { name: string; instance: Record<string, unknown> }>()
  private nextObject = 1000

  constructor(private readonly login: () => { username: string; password: string; realm: string }) {}

  /** Adds `method` (`CoaxialControlIO.getStatus`); `interfaceName.factory.instance` answers for its interface. */
  register(method: string, run: Method): void {
    this.methods.set(method, run)
  }

  /** Lets `name.factory.instance` hand out an object of `name`, and `name.destroy` end it. */
  factory(name: string): void {
    this.factories.add(name)
  }

  /** Every session is gone at once, as after a reboot or the idle timeout: the next call is refused. */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.loggedIn = false
  }

  /** Whether the device has any method at all: one without answers 404 to `/RPC2` (rr#465). */
  get speaks(): boolean {
    return this.methods.size > 0 || this.factories.size > 0
  }

  /** A JSON-RPC request to `/RPC2_Login` or `/RPC2`. */
  handle(path: string, text: string, now = Date.now()): Rpc2Answer {
    if (!this.speaks) {
      return { status: 404, body: '' }
    }
    let request: {
      method?: unknown
      params?: Record<string, unknown>
      id?: unknown
      session?: unknown
      object?: unknown
    }
    try {
      request = JSON.parse(text) as typeof request
    } catch {
      return { status: 400, body: '' }
    }
    const id = request.id
    const reply = (result: unknown, extra: Record<string, unknown> = {}): Rpc2Answer => ({
      status: 200,
      body: JSON.stringify({ id, result, session: request.session, ...extra }),
    })
    const error = (code: number, message: string): Rpc2Answer => reply(false, { error: { code, message } })
    if (path === '/RPC2_Login') {
      return this.logIn(request, id)
    }
    const session = this.sessions.get(String(request.session))
    if (!session?.loggedIn || now - session.lastSeen > this.rpcIdleMs) {
      if (this.invalidSessionCode === SESSION_INVALID) {
        return {
          status: 200,
          body: JSON.stringify({
            error: { code: SESSION_INVALID, message: 'Invalid session in request data!' },
          }),
        }
      }
      return error(SESSION_EXPIRED, 'Invalid session in request data!')
    }
    session.lastSeen = now
    const method = String(request.method)
    switch (method) {
      case 'global.keepAlive':
        return reply(true, { params: { timeout: 60 } })
      case 'global.logout':
        this.sessions.delete(String(request.session))
        return reply(true)
    }
    const [name = '', ...rest] = method.split('.')
    const verb = rest.join('.')
    if (verb === 'factory.instance' && this.factories.has(name)) {
      const handle = this.nextObject++
      this.objects.set(handle, { name, instance: request.params ?? {} })
      // Bounded like a device's own object table.
      if (this.objects.size > MAX_SESSIONS) this.objects.delete(this.objects.keys().next().value as number)
      return reply(handle)
    }
    if (verb === 'destroy' && this.factories.has(name)) {
      this.objects.delete(Number(request.object))
      return reply(true)
    }
    const run = this.methods.get(method)
    if (!run) {
      return error(METHOD_NOT_FOUND, 'Method not found!')
    }
    const object = this.objects.get(Number(request.object))
    const answer = run(request.params ?? {}, object?.name, object?.instance)
    return reply(answer.result, {
      ...(answer.params ? { params: answer.params } : {}),
      ...(answer.error ? { error: answer.error } : {}),
      ...answer.topLevel,
    })
  }

  /**
   * The two steps (acting-and-doors.md §2.1): without a password, a challenge with `realm` and `random`; then
   * `MD5_UPPER(user:random:MD5_UPPER(user:realm:pass))` on the session of the challenge.
   */
  private logIn(request: { params?: Record<string, unknown>; session?: unknown }, id: unknown): Rpc2Answer {
    const { username, password, realm } = this.login()
    const params = request.params ?? {}
    const existing = this.sessions.get(String(request.session))
    if (!existing || !params.password) {
      const session = randomBytes(16).toString('hex')
      const random = String(randomBytes(4).readUInt32BE())
      this.sessions.set(session, { random, loggedIn: false, lastSeen: 0 })
      remember(this.secrets, session)
      // A device's session table is small: the oldest session goes (the demo may run for weeks).
      if (this.sessions.size > MAX_SESSIONS) {
        this.sessions.delete(this.sessions.keys().next().value as string)
      }
      return {
        status: 200,
        body: JSON.stringify({
          error: { code: LOGIN_CHALLENGE, message: 'Component error: login challenge!' },
          id,
          params: { encryption: 'Default', random, realm },
          result: false,
          session,
        }),
      }
    }
    const ha1 = md5Upper(`${username}:${realm}:${password}`)
    const expected = md5Upper(`${username}:${existing.random}:${ha1}`)
    remember(this.secrets, ha1)
    remember(this.secrets, expected)
    if (this.refuseLogins || params.userName !== username || params.password !== expected) {
      this.rpcRefusals++
      this.sessions.delete(String(request.session))
      // A PTZ camera's captured refusal, with its params (fixtures/devices/door/rpc2-login-refused-268632085.json):
      // the tries left are the capture's, not counted here.
      return {
        status: 200,
        body: JSON.stringify({
          error: { code: LOGIN_REFUSED, message: 'Component error: User or password not valid!' },
          id,
          params: { remainLockSecond: 0, remainLoginTimes: 2 },
          result: false,
          session: request.session,
        }),
      }
    }
    this.rpcLogins++
    existing.loggedIn = true
    existing.lastSeen = Date.now()
    return {
      status: 200,
      body: JSON.stringify({ id, params: { keepAliveInterval: 60 }, result: true, session: request.session }),
    }
  }
}

/** Adds `value` to a set of at most 1000, the oldest going first. */
export function remember(set: Set<string>, value: string): void {
  set.add(value)
  if (set.size > 1000) set.delete(set.values().next().value as string)
}

function md5Upper(text: string): string {
  return createHash('md5').update(text).digest('hex').toUpperCase()
}
