// The real detection events of test/fixtures/events (SOURCES.md) and what `payload.detection` must say of each,
// worked out by hand from the capture: the unit test reads them through the decoder, the flow test through the
// simulator, the stream and an event node.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Detection } from '../../src/lib/stream/detection'
import type { CameraEvent } from '../../src/lib/types'

export const EVENTS_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'events')

export interface Case {
  /** A part body (`Code=…`) in test/fixtures/events, or a text part in its attachfileproc/ folder. */
  file: string
  /**
   * `part`: a part body of the attach stream. `rpc2`: an event of RPC2's notifyEventStream written as one (its data
   * is the same JSON; it has no index). `text-part`: an attachFileProc text part (textPartEvent).
   */
  form: 'part' | 'rpc2' | 'text-part'
  code: string
  action: string
  index: number
  /** Undefined: the event carries no detection (or its data is not JSON). */
  detection: Detection | undefined
}

/** The 0-8191 grid as 0-1, four decimals, as detection.ts gives it. */
const at = (v: number): number => Math.round((v / 8192) * 10_000) / 10_000
const box = (l: number, t: number, r: number, b: number): Detection['box'] => ({
  left: at(l),
  top: at(t),
  right: at(r),
  bottom: at(b),
})

export const CASES: Case[] = [
  {
    file: 'ivs-psyciknz-CameraEvents-test-CrossLineDetection.txt',
    form: 'part',
    code: 'CrossLineDetection',
    action: 'Start',
    index: 0,
    detection: {
      object: 'smoke',
      objectType: 'Smoke',
      rule: { name: 'Gate', id: 1 },
      box: box(2944, 3520, 5072, 7872),
      objectId: 105,
    },
  },
  {
    file: 'ivs-psyciknz-CameraEvents-test-CrossRegionDetection.txt',
    form: 'part',
    code: 'CrossRegionDetection',
    action: 'Start',
    index: 1,
    detection: {
      object: 'human',
      objectType: 'Human',
      rule: { name: 'Courtyard', id: 1 },
      box: box(680, 1176, 1864, 5880),
      objectId: 84,
    },
  },
  {
    file: 'ivs-DH-IPC-HFW3849T1-AS-PV-S3-rroller138-CrossRegionDetection.txt',
    form: 'part',
    code: 'CrossRegionDetection',
    action: 'Start',
    index: 0,
    detection: {
      object: 'human',
      objectType: 'Human',
      rule: { name: 'Pool Entry', id: 1 },
      box: box(5488, 2488, 5984, 4648),
      objectId: 4695,
    },
  },
  {
    file: 'ivs-rroller-docstring-Cam8-CrossLineDetection.txt',
    form: 'part',
    code: 'CrossLineDetection',
    action: 'Start',
    index: 0,
    detection: {
      object: 'unknown',
      objectType: 'Unknown',
      rule: { name: 'Rule1', id: 1 },
      box: box(4816, 4552, 5248, 5272),
      objectId: 542,
    },
  },
  {
    file: 'nvr-ch5-rroller288-CrossRegionDetection.txt',
    form: 'part',
    code: 'CrossRegionDetection',
    action: 'Start',
    index: 5,
    detection: {
      object: 'human',
      objectType: 'Human',
      rule: { name: 'Regola2', id: 4 },
      box: box(2888, 4320, 3224, 5632),
      objectId: 77171,
    },
  },
  // Smart motion: the object by the code, its id by its own key; `Rect` stays in data (detection.ts).
  {
    file: 'smd-rroller276-SmartMotionHuman-Start.txt',
    form: 'part',
    code: 'SmartMotionHuman',
    action: 'Start',
    index: 0,
    detection: { object: 'human', objectId: 52599 },
  },
  {
    file: 'smd-rroller276-SmartMotionHuman-Stop.txt',
    form: 'part',
    code: 'SmartMotionHuman',
    action: 'Stop',
    index: 0,
    detection: { object: 'human', objectId: 52599 },
  },
  {
    file: 'smd-Intelbras-MHDX1232-test-SmartMotionHuman.txt',
    form: 'part',
    code: 'SmartMotionHuman',
    action: 'Start',
    index: 8,
    detection: { object: 'human', objectId: 0 },
  },
  {
    file: 'smd-unidentified-csharp-listener-doc-SmartMotionVehicle.txt',
    form: 'part',
    code: 'SmartMotionVehicle',
    action: 'Start',
    index: 0,
    detection: { object: 'vehicle', objectId: 13421 },
  },
  // HumanTrait carries RuleID 142, RuleId 1 and CfgRuleId 142: RuleID is the one the other IVS events use.
  {
    file: 'humantrait-WizMind7-rroller215-HumanTrait-PortraitDetect.txt',
    form: 'part',
    code: 'HumanTrait',
    action: 'Stop',
    index: 14,
    detection: {
      object: 'human',
      objectType: 'Human',
      rule: { name: 'PortraitDetection', id: 142 },
      box: box(2624, 4760, 3024, 6240),
      objectId: 42840,
    },
  },
  {
    file: 'door-Intelbras-SS3540MF-FACE-EX-rroller296-_DoorFace_.txt',
    form: 'part',
    code: '_DoorFace_',
    action: 'Pulse',
    index: 0,
    detection: { object: 'face', face: { id: '1', similarity: 98 } },
  },
  // Cut off by the owner mid-JSON: passed on as its text, with no detection guessed from it.
  {
    file: 'face-DHI-NVR2116HS-I-L-rroller573-FaceRecognition-TRUNCATED.txt',
    form: 'part',
    code: 'FaceRecognition',
    action: 'Start',
    index: 10,
    detection: undefined,
  },
  // A plate event with no plate read (`Text: ""`) and a plate box of [0, 0, 0, 0]: neither is reported.
  {
    file: 'anpr-ITC-8M049B2PAJF3085-YutthapoomSa-rpc2-TrafficJunction.txt',
    form: 'rpc2',
    code: 'TrafficJunction',
    action: 'Pulse',
    index: 0,
    detection: {
      object: 'plate',
      objectType: 'Plate',
      rule: { name: 'TrafficTollGate0', id: 31 },
      objectId: 5995,
    },
  },
  {
    file: 'attachfileproc/hysios-dhhttp-retrograde-text-part.txt',
    form: 'text-part',
    code: 'TrafficRetrograde',
    action: 'Pulse',
    index: 0,
    detection: {
      object: 'plate',
      objectType: 'Plate',
      rule: { name: '逆行', id: 21 },
      box: box(2242, 1989, 2474, 2092),
      objectId: 3038302,
      plate: {
        text: '粤MTU952',
        country: 'CHN',
        colour: 'Blue',
        vehicle: { type: 'LargeTruck', colour: 'Gray', make: 'Unknown' },
      },
    },
  },
  {
    file: 'attachfileproc/hysios-dhhttp-trafficparking-text-part.txt',
    form: 'text-part',
    code: 'TrafficParking',
    action: 'Start',
    index: 0,
    detection: {
      object: 'plate',
      objectType: 'Plate',
      box: box(5954, 2234, 6346, 2404),
      objectId: 1647090670,
      plate: {
        text: '鄂A06654',
        country: 'CHN',
        colour: 'Blue',
        vehicle: { type: 'Unknown', colour: 'Black', make: 'Unknown' },
      },
    },
  },
]

/** The fixture's bytes as a part body of the attach stream. */
export function partBody(file: string): Buffer {
  return readFileSync(join(EVENTS_DIR, file))
}

/** An RPC2 event's `Code=…;action=…;data=<JSON>` as the event, on channel 1 (the source names none). */
export function rpc2Event(file: string): CameraEvent {
  const text = partBody(file).toString('utf8')
  const head = /^Code=([^;]+);action=([^;]+);data=/.exec(text)!
  return {
    code: head[1]!,
    action: head[2]!,
    index: 0,
    data: JSON.parse(text.slice(head[0].length)) as unknown,
  }
}

/**
 * An attachFileProc text part (`Events[0].Object.BoundingBox[0]=5954` lines) as the event it describes, its data
 * nested as the event stream's JSON has it, numbers as numbers.
 */
export function textPartEvent(file: string): CameraEvent {
  const root: Record<string, unknown> = {}
  for (const line of partBody(file).toString('utf8').split('\n')) {
    const match = /^Events\[0\]\.([^=]+)=(.*)$/.exec(line)
    if (!match) {
      continue
    }
    const keys = match[1]!.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '')
    const value = /^-?\d+(\.\d+)?$/.test(match[2]!) ? Number(match[2]) : match[2]!
    let node: Record<string, unknown> = root
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        node[key] = value
      } else {
        node[key] ??= /^\d+$/.test(keys[i + 1]!) ? [] : {}
        node = node[key] as Record<string, unknown>
      }
    })
  }
  const base = root.EventBaseInfo as { Code: string; Action: string; Index: number }
  delete root.EventBaseInfo
  return { code: base.Code, action: base.Action, index: base.Index, data: root }
}
