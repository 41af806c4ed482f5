// SPDX-License-Identifier: Apache-2.0
// One queue per setting, coalescing: while a setting is being changed, the requests for it wait, and only the
// newest is sent; every waiting caller gets that one's result. A flood of messages thus costs a device a few
// requests, never one per message. Bounded: past `limit` callers waiting, a request fails at once; and at most
// `running` settings are worked on at once, the others waiting their turn in order (each setting reads whole
// tables of up to 256 KiB: a thousand at once ended Node-RED, security-2026-12.md 1). A setting is sent at most
// once every `gapMs` (a siren toggled by a flood: one write per message otherwise, security-2026-12.md 5); what
// arrives meanwhile waits, and the newest of it is sent.

import { ControlError } from './control-error'
import { MAX_CONTROL_SETTINGS } from '../limits'

type Run = (preempted: AbortSignal) => Promise<unknown>

interface Job {
  run: Run
  waiters: Array<{ resolve: (value: unknown) => void; reject: (err: unknown) => void }>
}

interface Slot {
  /** Aborted when a newer request for the setting arrives: a PTZ move under way stops for it. */
  preempt: AbortController
  next?: Job
}

export class SettingQueue {
  private readonly slots = new Map<string, Slot>()
  /** The settings being worked through now, each until its last request is done. */
  private readonly draining = new Set<Promise<void>>()
  /** Settings waiting for one of the `running` turns, oldest first. */
  private readonly turns: Array<() => void> = []
  /** When each setting was last sent, for `gapMs` after. */
  private readonly sent = new Map<string, number>()
  private waiting = 0

  constructor(
    private readonly limit: number,
    private readonly running = MAX_CONTROL_SETTINGS,
    private readonly gapMs = 0,
  ) {}

  /** Runs `run` for the setting `key` once the one under way is done, unless a newer one replaces it. */
  add(key: string, run: Run): Promise<unknown> {
    if (this.waiting >= this.limit) {
      return Promise.reject(new ControlError('busy', { max: this.limit }))
    }
    this.waiting++
    return new Promise<unknown>((resolve, reject) => {
      const waiter = { resolve, reject }
      const slot = this.slots.get(key)
      if (slot) {
        slot.next = { run, waiters: [...(slot.next?.waiters ?? []), waiter] }
        slot.preempt.abort()
        return
      }
      const fresh: Slot = { preempt: new AbortController(), next: { run, waiters: [waiter] } }
      this.slots.set(key, fresh)
      const start = (): void => {
        const draining = this.drain(key, fresh)
        this.draining.add(draining)
        void draining.finally(() => {
          this.draining.delete(draining)
          this.turns.shift()?.()
        })
      }
      if (this.draining.size < this.running) start()
      else this.turns.push(start)
    })
  }

  /** Tells every run under way to stop what can be stopped (closing). */
  preemptAll(): void {
    for (const slot of this.slots.values()) slot.preempt.abort()
  }

  /** Resolves when every run under way has finished (a PTZ move its stop), or after `ms`. Never rejects. */
  async settled(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled([...this.draining]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ])
    clearTimeout(timer)
  }

  private async drain(key: string, slot: Slot): Promise<void> {
    while (slot.next) {
      const wait = (this.sent.get(key) ?? -Infinity) + this.gapMs - Date.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      this.sent.set(key, Date.now())
      const job = slot.next
      slot.next = undefined
      slot.preempt = new AbortController()
      const { waiters } = job
      try {
        const value = await job.run(slot.preempt.signal)
        for (const waiter of waiters) waiter.resolve(value)
      } catch (err) {
        for (const waiter of waiters) waiter.reject(err)
      }
      this.waiting -= waiters.length
    }
    this.slots.delete(key)
    for (const [setting, at] of this.sent) if (at + this.gapMs < Date.now()) this.sent.delete(setting)
  }
}
