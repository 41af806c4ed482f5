// SPDX-License-Identifier: Apache-2.0
// The two ways to tell a device something, for every family of settings: CGI (`configManager.cgi` tables and
// the control scripts) and JSON-RPC (rpc2.ts), both through the device's one session and login budget. Also
// what every family needs to know first: whether the device is a recorder (its numbering follows from that).
// How answers are read is the same for all: what is a refusal of one setting, what is "not here", what is
// transient (real-devices-acting.md 3 and 6).

import { MAX_CONFIG_ANSWER_BYTES, MAX_STATE_ANSWER_BYTES } from '../limits'
import {
  AnswerTooLarge,
  CallTimeout,
  LoginsPaused,
  classify,
  type HttpSession,
} from '../session/http-session'
import { Rpc2Error, Rpc2LoginLocked, Rpc2LoginRefused, type Rpc2Session } from '../session/rpc2'
import { ControlError } from './control-error'
import { printable } from '../text'
import { clock } from '../badge'
import type { ControlRequest } from './controls'

export type Table = Map<string, string>

/** Whether a write was read back and found as written, or could not be read back. */
export type Checked = 'checked' | 'unverified'

/** What was learned is asked again after this: cameras are added to recorders, firmware is updated. */
const KNOWN_FOR_MS = 10 * 60_000

/**
 * A 401 to a call beside the stream: a wrong password while the camera has never accepted this login (it
 * counted against the login budget), else this user's rights.
 */
export function refusalOf(http: HttpSession, status: number): ControlError {
  if (status === 401 && http.unsure) return new ControlError('rights-or-password', { status })
  return http.proven || status === 403
    ? new ControlError('rights', { status })
    : new ControlError('login', { left: http.budget.left })
}

/** What went wrong with a call that got no usable answer, as a ControlError. */
export async function failureOf(http: HttpSession, err: unknown, waitedMs: number): Promise<ControlError> {
  if (err instanceof ControlError) return err
  if (err instanceof LoginsPaused) return new ControlError('paused', { until: clock(new Date(err.until)) })
  if (err instanceof AnswerTooLarge) return new ControlError('too-large', { limit: err.limit })
  if (err instanceof Rpc2LoginLocked) return new ControlError('locked')
  // RPC2 logins pause on their own budget as well as on the camera's: the sooner of the two is what is left.
  if (err instanceof Rpc2LoginRefused)
    return new ControlError('login', { left: Math.min(http.budget.left, http.rpc2Budget.left) })
  if (err instanceof Rpc2Error) return new ControlError('answer', { detail: err.message })
  // A call that ran out of time says the limit it ran out of, whoever asked (the door, the control).
  const reason = await http.explain(classify(err), err instanceof CallTimeout ? err.limitMs : waitedMs)
  return new ControlError('failed', { kind: reason.kind, detail: reason.detail ?? '' })
}

/**
 * A CGI answer `key=value` (`table.MotionDetect[0].Enable=true`, `status.status.Speaker=Off`) as key -> value,
 * without the `table.` prefix. The answer's size is already bounded (limits.ts).
 */
export function parseTable(text: string): Table {
  const table: Table = new Map()
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf('=')
    if (at > 0) {
      table.set(
        line
          .slice(0, at)
          .trim()
          .replace(/^table\./, ''),
        line.slice(at + 1).trim(),
      )
    }
  }
  return table
}

export class Transport {
  /** Answers read to learn what the device has, and "not here" answers until when they are believed. */
  private readonly known = new Map<string, { table: Table; until: number }>()
  private readonly absent = new Map<string, number>()
  /** What is being learned now: one read, shared by all who ask meanwhile. */
  private readonly learning = new Map<string, Promise<Table | undefined>>()
  /**
   * Tables being read now, each with the count of writes answered before it was sent: one read is shared by all
   * who ask meanwhile, unless a write was answered since it was sent (a write's read-back must see the write).
   * A thousand settings read the same table once each otherwise (security-2026-12.md 1 and 6).
   */
  private readonly reading = new Map<string, { writes: number; table: Promise<Table | undefined> }>()
  private writes = 0
  private recorder: Promise<boolean> | undefined

  constructor(
    readonly http: HttpSession,
    readonly rpc: Rpc2Session,
    private readonly signal: AbortSignal,
    /**
     * `cgiTimeoutMs`: the limit of one call, to say how long a silent device was waited for. `absentForMs`: how
     * long a "not here" is believed, as a 400 that comes and goes must not hide a feature until redeploy.
     */
    private readonly limits: { cgiTimeoutMs: number; absentForMs: number },
  ) {}

  /**
   * Whether the device is a recorder: its cameras are numbered from 1 for coaxial control and PTZ, and a
   * direct camera's from 0 (real-devices-acting.md 1 and 5). `getSystemInfo` says `deviceType=31` on recorders
   * (a number, not a model: DahuaBridge captures), `getDeviceType` names the model (`DHI-NVR5216-16P-EI`).
   */
  isRecorder(): Promise<boolean> {
    this.recorder ??= (async () => {
      const info = await this.read('/cgi-bin/magicBox.cgi?action=getSystemInfo')
      const model = await this.read('/cgi-bin/magicBox.cgi?action=getDeviceType')
      const type = info?.get('deviceType') ?? ''
      return /^\d+$/.test(type) || /NVR|DVR|XVR|HCVR|IVSS/i.test(`${type} ${model?.get('type') ?? ''}`)
    })().catch((err: unknown) => {
      this.recorder = undefined
      throw err
    })
    return this.recorder
  }

  /** A table or endpoint read once and kept (`pick`: only those keys, for answers there is one of per channel). */
  learn(key: string, path: string, pick?: (key: string) => boolean): Promise<Table | undefined> {
    return this.learnWith(key, async () => {
      const answer = await this.read(path)
      return answer && pick ? new Map([...answer].filter(([k]) => pick(k))) : answer
    })
  }

  /**
   * What `load` says, kept; its "not here" (undefined, or a refusal to read) believed for `absentForMs`, after
   * which it is asked again.
   */
  async learnWith(key: string, load: () => Promise<Table | undefined>): Promise<Table | undefined> {
    const kept = this.known.get(key)
    if (kept && kept.until > Date.now()) return kept.table
    if ((this.absent.get(key) ?? 0) > Date.now()) return undefined
    let pending = this.learning.get(key)
    if (!pending) {
      pending = this.learnNow(key, load)
      this.learning.set(key, pending)
      void pending.finally(() => this.learning.delete(key)).catch(() => undefined)
    }
    return pending
  }

  private async learnNow(key: string, load: () => Promise<Table | undefined>): Promise<Table | undefined> {
    let table: Table | undefined
    try {
      table = await load()
    } catch (err) {
      if (!(err instanceof ControlError && err.key === 'refused')) throw err
    }
    if (!table || table.size === 0) {
      this.known.delete(key)
      this.absent.set(key, Date.now() + this.limits.absentForMs)
      return undefined
    }
    this.known.set(key, { table, until: Date.now() + KNOWN_FOR_MS })
    return table
  }

  /** A configuration table, learned once (`again`: read anew, as recorders' cameras are renamed). */
  table(name: string, again = false): Promise<Table | undefined> {
    if (again) this.known.delete(name)
    return this.learn(name, `/cgi-bin/configManager.cgi?action=getConfig&name=${name}`)
  }

  /**
   * A configuration table as the device has it now (what a write is checked against, what a timer restores).
   * `rows`: only the keys that start so (`Lighting_V2[3]`), for a caller that keeps them across an `await`: a
   * whole table may be 256 KiB of answer and ten times that parsed, and a few settings run at once.
   */
  async fresh(name: string, rows?: string): Promise<Table | undefined> {
    let shared = this.reading.get(name)
    if (!shared || shared.writes !== this.writes) {
      const table = this.read(`/cgi-bin/configManager.cgi?action=getConfig&name=${name}`).then((table) => {
        if (table) this.known.set(name, { table, until: Date.now() + KNOWN_FOR_MS })
        return table
      })
      const read = { writes: this.writes, table }
      shared = read
      this.reading.set(name, read)
      void table
        .finally(() => {
          if (this.reading.get(name) === read) this.reading.delete(name)
        })
        .catch(() => undefined)
    }
    const table = await shared.table
    return table && rows !== undefined ? pick(table, rows) : table
  }

  /**
   * A read: the answer as a table, or undefined when the device says it has no such thing, which models say
   * three ways: an error status, 200 with an empty body (rr#669) or 200 `Error` (amcrest2mqtt#17)
   * (dahua-protocol.md 3.3). A 503 or no answer is thrown: the device is busy, not without the thing.
   */
  async read(path: string): Promise<Table | undefined> {
    const { status, body } = await this.call(path)
    const text = body.toString('utf8')
    if (status === 401) throw refusalOf(this.http, status)
    // Beside the stream a 403 refuses what was asked, not the login (real-devices-acting.md 3).
    if (status === 403) throw new ControlError('refused', { status })
    if (status === 503) throw new ControlError('busy-device', { status })
    return status === 200 && text.trim() !== '' && !/^\s*Error/i.test(text) ? parseTable(text) : undefined
  }

  /** `setConfig` of these fields in one request, checked as write() checks. */
  setConfig(request: ControlRequest, writes: Map<string, string>): Promise<void> {
    const query = [...writes].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
    return this.write(request, `/cgi-bin/configManager.cgi?action=setConfig&${query}`)
  }

  /**
   * `setConfig`, then the tables read back: the fields as the device now has them. A field that is not what was
   * written is 'not-applied' (recorders answer 200 to a write to a row they do not have, and discard it:
   * [RCO]); a table that cannot be read back is 'unverified' ([RT]: a write is checked by reading it).
   */
  async setAndCheck(request: ControlRequest, writes: Map<string, string>): Promise<Checked> {
    await this.setConfig(request, writes)
    const tableOf = (key: string): string => /^\w+/.exec(key)?.[0] ?? key
    let checked: Checked = 'checked'
    for (const name of new Set([...writes.keys()].map(tableOf))) {
      const now = await this.readBack(() => this.fresh(name))
      for (const [key, wanted] of writes) {
        if (tableOf(key) !== name) continue
        const value = now?.get(key)
        if (value === undefined) {
          checked = 'unverified'
        } else if (value.toLowerCase() !== wanted.toLowerCase()) {
          throw new ControlError('not-applied', { action: request.action, state: stateWord(value) })
        }
      }
    }
    return checked
  }

  /**
   * A read after a write the device accepted: busy or silent then, it is not a failure of the write (which may
   * have done its work, and whose timed end must still be kept), only a state not known.
   */
  async readBack<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await read()
    } catch (err) {
      if (err instanceof ControlError && (err.key === 'busy-device' || err.key === 'failed')) return undefined
      throw err
    }
  }

  /**
   * A change. `OK`, or 200 with an empty body, is accepted (the write lands: [RT]
   * test_a_200_carrying_error_is_not_a_successful_write); what the device now is, the caller reads back.
   * - 403, or 200 `Error`: the device refused this setting on this channel ('refused').
   * - 400, 404, 501: the device has no such thing here, or not now (recorders answer 400 for hours and then
   *   recover, [RCO]): 'unsupported', asked again next time.
   * - 503: busy: said as such, asked again next time.
   */
  async write(request: ControlRequest, path: string, closing = false): Promise<void> {
    const { status, body } = await this.call(path, closing).finally(() => this.writes++)
    const text = body.toString('utf8').trim()
    if (status === 401) throw refusalOf(this.http, status)
    if (status === 403 || (status === 200 && /^Error/i.test(text))) {
      throw new ControlError('refused', { action: request.action, status })
    }
    if (status === 503) throw new ControlError('busy-device', { status })
    if (status !== 200 || !(text === '' || /\bOK\b/i.test(text))) {
      throw new ControlError('unsupported', { action: request.action, status })
    }
  }

  /**
   * A JSON-RPC call through the device's one RPC2 session: its answer, or undefined where the device refused it
   * or has no such method. Other failures are thrown as ControlErrors.
   */
  async rpc2(
    method: string,
    params?: Record<string, unknown>,
    object?: unknown,
  ): Promise<{ result?: unknown; params?: Record<string, unknown> } | undefined> {
    this.open()
    try {
      // Any method but a read may change what a table says.
      return await this.rpc.call(method, params, object).finally(() => {
        if (!method.endsWith('.getConfig')) this.writes++
      })
    } catch (err) {
      // The device answered `result: false` ("Method not found", "Authority:check failure", an error on a
      // channel that lacks the thing, rr#555), or has no JSON-RPC at all (404): not here. A 503, an answer that
      // is not JSON or silence is transient, and said so.
      if (err instanceof Rpc2Error && (err.code !== undefined || err.message === 'HTTP 404')) return undefined
      if (err instanceof Rpc2Error && /^HTTP 5/.test(err.message))
        throw new ControlError('busy-device', { status: err.message.slice(5) })
      throw await failureOf(this.http, err, this.limits.cgiTimeoutMs)
    }
  }

  /** Calls carried out together in one JSON-RPC request: false where the device refused them or has no RPC2. */
  async rpc2Together(calls: Array<{ method: string; params: Record<string, unknown> }>): Promise<boolean> {
    this.open()
    try {
      await this.rpc.multicall(calls).finally(() => this.writes++)
      return true
    } catch (err) {
      if (err instanceof Rpc2Error && (err.code !== undefined || err.message === 'HTTP 404')) return false
      throw await failureOf(this.http, err, this.limits.cgiTimeoutMs)
    }
  }

  /** Nothing new is asked of a device once its control is closed (the RPC2 session is the device's, not ours). */
  private open(): void {
    if (this.signal.aborted) throw new ControlError('closed')
  }

  private async call(path: string, closing = false): Promise<{ status: number; body: Buffer }> {
    if (this.signal.aborted && !closing) {
      throw new ControlError('closed')
    }
    try {
      return await this.http.cgi(path, {
        ...(closing ? {} : { signal: this.signal }),
        // Whole configuration tables run to tens of KB on a recorder; every other answer is a few lines.
        maxBytes: path.includes('configManager.cgi?action=getConfig')
          ? MAX_CONFIG_ANSWER_BYTES
          : MAX_STATE_ANSWER_BYTES,
      })
    } catch (err) {
      throw await failureOf(this.http, err, this.limits.cgiTimeoutMs)
    }
  }
}

/** The rows of a table under `prefix` (`Lighting_V2[3]`: `Lighting_V2[3][0][1].Mode`, not `Lighting_V2[30]…`). */
function pick(table: Table, prefix: string): Table {
  const rows: Table = new Map()
  for (const [key, value] of table) {
    if (key.startsWith(prefix) && (key[prefix.length] === '[' || key[prefix.length] === '.'))
      rows.set(key, value)
  }
  return rows
}

/** A device's value as a person reads it: `true`/`false` are on and off; others as the device wrote them. */
export function stateWord(value: string): string {
  return value === 'true' ? 'on' : value === 'false' ? 'off' : printable(value).slice(0, 40)
}
