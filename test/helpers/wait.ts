// Waiting for behaviour without sleeping: every wait has a deadline that fails with a message.
import type { EventEmitter } from 'node:events'

export function waitFor<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  what: string,
  timeoutMs = 5_000,
  accept: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    function listener(...args: unknown[]): void {
      if (accept(...(args as T))) {
        clearTimeout(timer)
        emitter.off(event, listener)
        resolve(args as T)
      }
    }
    emitter.on(event, listener)
  })
}

/** Polls a condition (for state that has no event of its own); fails with `what` after the deadline. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Lets `ms` pass: only to show that something does NOT happen in that time. */
export function pass(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
