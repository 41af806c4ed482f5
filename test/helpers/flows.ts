// Flow builders and the Node-RED runtime for flow tests. NODE_RED_RUNTIME points the helper at another
// Node-RED (CI runs the flow tests again on Node-RED 5); by default it is this package's devDependency.
import type { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import helper from 'node-red-node-test-helper'
import cameraNode from '../../src/dahua-camera'
import controlNode from '../../src/dahua-control'
import doorNode from '../../src/dahua-door'
import eventInNode from '../../src/dahua-event-in'
import type { Timing } from '../../src/lib/session/policy'
import type { FilterSettings } from '../../src/lib/stream/filter'
import { connection } from './sim'
import { waitFor } from './wait'

export const runtime = process.env.NODE_RED_RUNTIME ?? require.resolve('node-red')
helper.init(runtime)

/** The Node-RED these tests run on, e.g. `Node-RED 4.1.15 on Node v20.20.2`: suite titles say it. */
const runtimePackage = JSON.parse(readFileSync(join(dirname(runtime), '..', 'package.json'), 'utf8')) as {
  version: string
}
export const runtimeName = `Node-RED ${runtimePackage.version} on Node ${process.version}, camera connections ${connection}`

export { helper }

/** A core node module of the same Node-RED the tests run on, e.g. `common/21-debug.js`. */
export function coreNode(file: string): (RED: unknown) => void {
  const nodesPackage = require.resolve('@node-red/nodes/package.json', { paths: [dirname(runtime)] })
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(dirname(nodesPackage), 'core', file)) as (RED: unknown) => void
}
export const nodes = [cameraNode, eventInNode, controlNode, doorNode]
export const PASSWORD = 'Flow-S3cret!'

/**
 * The hooks every flow suite needs: a Node-RED server per test with `timing`, and afterwards the flow unloaded
 * and the test's simulator (if any) closed.
 */
export function flowHooks(
  simulator: () => { close(): Promise<void> } | undefined,
  timing?: Partial<Timing>,
): void {
  beforeEach(async () => {
    useTiming(timing)
    await new Promise<void>((resolve) => helper.startServer(resolve))
  })
  afterEach(async () => {
    await helper.unload()
    await new Promise<void>((resolve) => helper.stopServer(resolve))
    await simulator()?.close()
  })
}

export function useTiming(timing: Partial<Timing> | undefined): void {
  helper.settings({ dahuaCamera: timing ? { timing } : {} } as Record<string, unknown>)
}

export interface FlowNode {
  id: string
  type: string
  wires?: string[][]
  [key: string]: unknown
}

export interface CameraSettings {
  id?: string
  port: number
  name?: string
  heartbeat?: number
  protocol?: 'http' | 'https'
  verifyTls?: boolean
  allowBasic?: boolean
}

export function cameraFlowNode(settings: CameraSettings): FlowNode {
  return {
    id: settings.id ?? 'cam',
    type: 'dahua-camera',
    name: settings.name ?? '',
    host: '127.0.0.1',
    port: settings.port,
    protocol: settings.protocol ?? 'http',
    verifyTls: settings.verifyTls ?? true,
    heartbeat: settings.heartbeat ?? 1,
    ...(settings.allowBasic === undefined ? {} : { allowBasic: settings.allowBasic }),
  }
}

export function eventInFlowNode(
  id: string,
  filter: FilterSettings & { snapshot?: boolean; snapshotTimeout?: number } = {},
  camera = 'cam',
): FlowNode[] {
  return [
    {
      id,
      type: 'dahua-event-in',
      camera,
      codes: '',
      channels: '',
      actions: '',
      ...filter,
      wires: [[`${id}-out`], [`${id}-conn`]],
    },
    { id: `${id}-out`, type: 'helper' },
    { id: `${id}-conn`, type: 'helper' },
  ]
}

export function controlFlowNode(id: string, action = 'snapshot', channel = 1, camera = 'cam'): FlowNode[] {
  return [
    { id, type: 'dahua-control', camera, action, channel, wires: [[`${id}-out`]] },
    { id: `${id}-out`, type: 'helper' },
  ]
}

export function doorFlowNode(
  id: string,
  options: { snapshot?: boolean; allowOpen?: unknown; channel?: unknown } = {},
  camera = 'cam',
): FlowNode[] {
  return [
    { id, type: 'dahua-door', camera, snapshot: false, allowOpen: false, ...options, wires: [[`${id}-out`]] },
    { id: `${id}-out`, type: 'helper' },
  ]
}

/**
 * Sends `msg` to a control node and resolves with the message it sent on, or rejects with the error it failed
 * the message with (what a catch node would get).
 */
export function control(
  id: string,
  msg: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const node = helper.getNode(id)
  const out = helper.getNode(`${id}-out`)
  const tag = `m${Math.random()}`
  // Many messages in flight at once, each with its own listeners: not a leak.
  ;(node as unknown as EventEmitter).setMaxListeners(0)
  ;(out as unknown as EventEmitter).setMaxListeners(0)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no answer from ${id} to ${JSON.stringify(msg)}`))),
      timeoutMs,
    )
    const onOut = (sent: Record<string, unknown>): void => {
      if (sent._tag === tag) finish(() => resolve(sent))
    }
    const onError = (call: SpyCall): void => {
      const [err, failed] = call.args as [unknown, Record<string, unknown> | undefined]
      if (call.thisValue === node && failed?._tag === tag) {
        finish(() => reject(err instanceof Error ? err : new Error(String(err))))
      }
    }
    function finish(then: () => void): void {
      clearTimeout(timer)
      out.off('input', onOut)
      ;(node as unknown as EventEmitter).off('call:error', onError)
      then()
    }
    out.on('input', onOut)
    ;(node as unknown as EventEmitter).on('call:error', onError)
    node.receive({ ...msg, _tag: tag })
  })
}

export function credentials(
  password = PASSWORD,
  id = 'cam',
): Record<string, { username: string; password: string }> {
  return { [id]: { username: 'admin', password } }
}

interface SpyCall {
  args: unknown[]
  thisValue: unknown
}

/**
 * The arguments of every call one node made to one of its methods. The helper spies on the Node prototype,
 * so the spy holds every node's calls; this keeps those of `nodeId`.
 */
export function calls(nodeId: string, method: 'status' | 'error' | 'warn' | 'log'): unknown[][] {
  const node = helper.getNode(nodeId) as unknown as Record<string, { getCalls(): SpyCall[] }>
  return node[method]!.getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args)
}

export function statusCalls(nodeId: string): unknown[][] {
  return calls(nodeId, 'status')
}

/** Waits for the node's badge to show `text` (the helper's RED._ returns catalog keys as they are). */
export function badge(nodeId: string, text: string, timeoutMs = 5_000): Promise<unknown> {
  const node = helper.getNode(nodeId) as unknown as EventEmitter
  const current = statusCalls(nodeId).at(-1)?.[0] as { text?: string } | undefined
  if (current?.text?.startsWith(text)) {
    return Promise.resolve(current)
  }
  return waitFor(node, 'call:status', `badge "${text}" on ${nodeId}`, timeoutMs, (call: SpyCall) =>
    String((call.args[0] as { text?: string }).text ?? '').startsWith(text),
  )
}

/** Collects the messages a helper node receives. */
export function collect(helperId: string): Array<{ topic: string; payload: Record<string, unknown> }> {
  const received: Array<{ topic: string; payload: Record<string, unknown> }> = []
  helper.getNode(helperId).on('input', (msg: unknown) => received.push(msg as (typeof received)[number]))
  return received
}
