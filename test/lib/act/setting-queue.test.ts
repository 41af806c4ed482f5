import assert from 'node:assert/strict'
import type { ControlError } from '../../../src/lib/act/control-error'
import { SettingQueue } from '../../../src/lib/act/setting-queue'

describe('setting queue', () => {
  it('runs the newest of those waiting for a setting, and answers every caller with its result', async () => {
    const queue = new SettingQueue(100)
    const ran: number[] = []
    let release: (() => void) | undefined
    const first = queue.add('siren/1', () => new Promise((resolve) => (release = () => resolve(0))))
    const rest = [1, 2, 3].map((n) => queue.add('siren/1', () => (ran.push(n), Promise.resolve(n))))
    const other = queue.add('light/1', () => (ran.push(9), Promise.resolve(9)))
    release?.()
    assert.deepEqual(await Promise.all([first, ...rest, other]), [0, 3, 3, 3, 9])
    assert.deepEqual(ran.sort(), [3, 9], 'the settings run apart, and 1 and 2 never ran')
  })

  it('tells a run under way that a newer one arrived', async () => {
    const queue = new SettingQueue(100)
    let preempted = false
    const move = queue.add(
      'ptz/1',
      (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            preempted = true
            resolve('stopped')
          }),
        ),
    )
    const preset = queue.add('ptz/1', () => Promise.resolve('preset'))
    assert.deepEqual(await Promise.all([move, preset]), ['stopped', 'preset'])
    assert.ok(preempted)
  })

  it('refuses at once past its limit of waiting callers, and frees the places as they are answered', async () => {
    const queue = new SettingQueue(2)
    let release: (() => void) | undefined
    const held = queue.add('a', () => new Promise((resolve) => (release = () => resolve('a'))))
    const second = queue.add('b', () => Promise.resolve('b'))
    await assert.rejects(
      queue.add('c', () => Promise.resolve('c')),
      (err: ControlError) => err.key === 'busy',
    )
    release?.()
    assert.deepEqual(await Promise.all([held, second]), ['a', 'b'])
    assert.equal(await queue.add('c', () => Promise.resolve('c')), 'c')
  })

  it('works on at most `running` settings at once, the others in the order they came (security-2026-12.md 1)', async () => {
    const queue = new SettingQueue(100, 2)
    let now = 0
    let most = 0
    const order: number[] = []
    const releases: Array<() => void> = []
    const runs = [1, 2, 3, 4, 5].map((n) =>
      queue.add(`light/${n}`, async () => {
        order.push(n)
        most = Math.max(most, ++now)
        await new Promise<void>((resolve) => releases.push(resolve))
        now--
        return n
      }),
    )
    while (order.length < 5) {
      await new Promise((resolve) => setImmediate(resolve))
      releases.shift()?.()
    }
    releases.forEach((release) => release())
    assert.deepEqual(await Promise.all(runs), [1, 2, 3, 4, 5])
    assert.deepEqual([most, order], [2, [1, 2, 3, 4, 5]])
  })
})
