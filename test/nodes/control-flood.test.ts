// A burst of control messages for different settings against a device whose tables are at the package's own
// size limit, in Node-RED as a small Raspberry Pi runs it (its CLI, a 256 MiB heap): security-2026-12.md
// finding 1, where 200 such messages ended Node-RED. It must live, keep its admin API answering and finish
// every message, answered or refused.
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { MAX_CONFIG_ANSWER_BYTES } from '../../src/lib/limits'
import { PASSWORD, runtimeName } from '../helpers/flows'
import { controlBurstFlow, startNodeRed, type NodeRedProcess } from '../helpers/process'
import { simulator } from '../helpers/sim'
import { pass } from '../helpers/wait'

describe(`a real Node-RED process with a 256 MiB heap under a control burst (${runtimeName})`, function () {
  this.timeout(240_000)
  let sim: CameraSimulator
  let red: NodeRedProcess | undefined

  afterEach(async () => {
    red?.cleanup()
    await sim?.close()
  })

  it('finishes 1,000 light messages over 1,000 channels against tables at the answer limit, and lives', async () => {
    // Every configuration table answered just under the package's own limit (limits.ts): not what a device
    // sends verbatim, but what a hostile device or the largest recorder may, and what the package accepts.
    sim = simulator({ password: PASSWORD, answerBytes: { config: MAX_CONFIG_ANSWER_BYTES - 1024 } })
    const port = await sim.listen()
    red = await startNodeRed(controlBurstFlow(port), { heapMiB: 256 })
    const { api, alive, output } = red
    // No event node: nothing attaches. Node-RED is up when its flow answers.
    let up = false
    const started = Date.now()
    while (!up) {
      assert.ok(Date.now() - started < 60_000, `Node-RED did not start in 60 s:\n${red.output()}`)
      await pass(200)
      up = await fetch(`${api}/burst`).then(
        (res) => res.ok,
        () => false,
      )
    }
    // Every question to Node-RED, admin API or flow, must be answered within 10 s, by a process still alive.
    const ask = async (path: string, step: string, init: RequestInit = {}): Promise<Response> => {
      const res = await fetch(`${api}${path}`, { ...init, signal: AbortSignal.timeout(10_000) }).catch(
        (err: unknown) => err as Error,
      )
      alive(step)
      if (res instanceof Error)
        assert.fail(`${path} unanswered after ${step}: ${res.message}\n${output().slice(-1500)}`)
      assert.ok(res.ok, `${path} answered ${res.status} after ${step}`)
      return res
    }
    const n = 1000
    await ask(`/burst?n=${n}`, 'sending the burst', { method: 'POST' })
    let finished = 0
    const deadline = Date.now() + 200_000
    while (finished < n) {
      const step = `${finished} of ${n} messages finished`
      assert.ok(Date.now() < deadline, `${step} in 200 s:\n${output().slice(-3000)}`)
      await pass(500)
      await ask('/settings', step)
      const { answered, refused } = (await (await ask('/burst', step)).json()) as Record<string, number>
      finished = (answered ?? 0) + (refused ?? 0)
    }
    assert.equal(finished, n)
    assert.equal(await red.stop(), 0, `exit code; output:\n${red.output().slice(-3000)}`)
  })
})
