// SPDX-License-Identifier: Apache-2.0
// Never a wrong state: records the Starts and Stops the stream delivers, and after every attach (a reconnect
// or a refresh) asks the camera what is active now (`getEventIndexes`) and publishes what the gap hid
// (dahua-protocol.md 3.1, 5.7). The questions go through the camera's one HTTP session.

import type { HttpSession } from '../session/http-session'
import { EventLedger, parseEventIndexes, type IndexesAnswer } from './ledger'
import type { CameraEvent } from '../types'

export class Reconciler {
  private readonly ledger = new EventLedger()
  /** The lower-case codes the listeners want (undefined: all): only those are worth a question. */
  private interest: Set<string> | undefined
  /** Codes whose "does the endpoint track it" question is under way: one per code, however many channels start. */
  private readonly learning = new Set<string>()
  /** The round of questions under way, and the attach (its session's signal) that asked for another. */
  private round: Promise<void> | undefined
  private pending: AbortSignal | undefined

  constructor(
    private readonly http: HttpSession,
    private readonly now: () => number,
    private readonly publish: (event: CameraEvent, at: number) => void,
  ) {}

  setInterest(codes: Set<string> | undefined): void {
    this.interest = codes
  }

  /** A Start or Stop from the stream, with its duration; a Start of a code not yet learnt asks about it once. */
  observe(event: CameraEvent, at: number, signal: AbortSignal): CameraEvent {
    const observed = this.ledger.observe(event, at)
    const { code } = event
    if (
      event.action === 'Start' &&
      this.ledger.unknown(code) &&
      this.wanted(code) &&
      !this.learning.has(code)
    ) {
      this.learning.add(code)
      void this.learn(code, event.index, signal).finally(() => this.learning.delete(code))
    }
    return observed
  }

  /**
   * After an attach: what is active now, for the codes some listener wants; the differences are published. One
   * round at a time: an attach during a round asks for one more round after it, never a pile of them, so a
   * camera that drops its stream faster than it answers cannot queue questions without end.
   */
  reconcile(signal: AbortSignal): Promise<void> {
    this.pending = signal
    this.round ??= this.rounds()
    return this.round
  }

  private async rounds(): Promise<void> {
    try {
      for (let signal = this.pending; signal; signal = this.pending) {
        this.pending = undefined
        await this.ask(signal)
      }
    } finally {
      // In the same step as the loop's last check: a request after it starts a new round.
      this.round = undefined
    }
  }

  private async ask(signal: AbortSignal): Promise<void> {
    const codes = this.ledger.latchedCodes().filter((code) => this.wanted(code))
    await Promise.all(
      codes.map(async (code) => {
        const asked = this.ledger.mark()
        try {
          const answer = await this.eventIndexes(code, signal)
          if (answer && !signal.aborted) {
            const at = this.now()
            for (const event of this.ledger.reconcile(code, answer, at, asked)) {
              this.publish(event, at)
            }
          }
        } finally {
          this.ledger.answered()
        }
      }),
    )
  }

  /** While the stream says (code, index) is active: does the endpoint track this code (dahua-protocol.md 3.1)? */
  private async learn(code: string, index: number, signal: AbortSignal): Promise<void> {
    const asked = this.ledger.mark()
    try {
      const answer = await this.eventIndexes(code, signal)
      if (answer) {
        this.ledger.learn(code, index, answer, this.now(), asked)
      }
    } finally {
      this.ledger.answered()
    }
  }

  private wanted(code: string): boolean {
    return !this.interest || this.interest.has(code.toLowerCase())
  }

  private async eventIndexes(code: string, signal: AbortSignal): Promise<IndexesAnswer | undefined> {
    try {
      const { status, body } = await this.http.cgi(
        `/cgi-bin/eventManager.cgi?action=getEventIndexes&code=${encodeURIComponent(code)}`,
        { signal },
      )
      return status === 200 ? parseEventIndexes(body.toString('utf8')) : undefined
    } catch {
      return undefined
    }
  }
}
