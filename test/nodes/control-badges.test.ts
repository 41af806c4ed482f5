// Control badges do not go stale (issue 18 §5): Node-RED keeps a node's last badge in the editor until the
// node sets another, so a node that starts says nothing until it has done something.
import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import { simulator } from '../helpers/sim'
import {
  cameraFlowNode,
  control,
  controlFlowNode,
  credentials,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  statusCalls,
} from '../helpers/flows'

describe(`dahua-control badges, in ${runtimeName}`, function () {
  let sim: CameraSimulator | undefined
  flowHooks(() => sim)

  it('a deploy clears the badge the node before it left ("siren: on")', async () => {
    sim = simulator({ profile: 'deterrence' })
    const port = await sim.listen()
    const flow = [cameraFlowNode({ port }), ...controlFlowNode('ctl')]
    await helper.load(nodes, flow, credentials('admin'))
    await control('ctl', { action: 'siren', payload: true })
    assert.match(String((statusCalls('ctl').at(-1)?.[0] as { text?: string }).text), /status\.done/)
    await helper.setFlows(flow, 'full', credentials('admin'))
    assert.deepEqual(statusCalls('ctl')[0], [{}], 'the new node cleared the badge')
  })
})
