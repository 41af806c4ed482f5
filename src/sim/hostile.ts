// SPDX-License-Identifier: Apache-2.0
// What a broken, compromised or impersonated camera can put on the attach stream, one generator per bound in
// limits.ts. The flow tests, the child-process test and the benchmark send these through the simulator's
// `sendRaw`, so that each bound is proven against real sockets and a real Node-RED.

import { BOUNDARY, formatPart } from './wire'

/** A boundary marker whose line never ends: `--myboundary` and then `bytes` bytes without a line feed. */
export function endlessMarkerLine(bytes: number): Buffer {
  return Buffer.concat([Buffer.from(`\r\n--${BOUNDARY}`), Buffer.alloc(bytes, 0x78)])
}

/** An event whose data nests `depth` arrays deep: 10 KB of brackets is enough to overflow a recursive copy. */
export function deepEvent(depth: number, code = 'VideoMotion'): string {
  return formatPart(`Code=${code};action=Pulse;index=0;data=${'['.repeat(depth)}${']'.repeat(depth)}`)
}

/** A Start of a code never seen before, numbered `n`: a flood of these tries to grow every per-code table. */
export function newCodeStart(n: number): string {
  return formatPart(`Code=Flood${n};action=Start;index=0`)
}

/** A Start of one code on channel `index` (0-based): a flood on ever new channels. */
export function newChannelStart(index: number | string, code = 'VideoMotion'): string {
  return formatPart(`Code=${code};action=Start;index=${index}`)
}

/** Data with keys that would reach an object's prototype in a flow that merges or copies it carelessly. */
export function prototypeKeysEvent(code = 'CrossLineDetection'): string {
  return formatPart(
    `Code=${code};action=Pulse;index=0;data={"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"Name":"Gate"}`,
  )
}

/** A door contact opening on door `n + 1`: a flood on ever new doors tries to grow a door node's tables. */
export function newDoorContact(n: number): string {
  return formatPart(`Code=DoorStatus;action=Pulse;index=${n % 1024};data={"Status":"Open"}`)
}

/** A person crossing a rule never named before, numbered `n`: a flood of these tries to grow the editor's rule list. */
export function newRuleDetection(n: number): string {
  return formatPart(
    `Code=CrossLineDetection;action=Start;index=0;data={"Name":"Rule ${n}","RuleID":${n},"Object":{"ObjectType":"Human","ObjectID":${n}}}`,
  )
}

/**
 * A detection whose object has `keys` made-up keys before the one asked for, in another case: every field looked
 * up that way would pass over all of them, for every event.
 */
export function wideObjectEvent(keys: number): string {
  const junk = Array.from({ length: keys }, (_, i) => `"k${i}":0`).join(',')
  return formatPart(
    `Code=CrossLineDetection;action=Start;index=0;data={"object":{${junk},"objecttype":"Human"}}`,
  )
}
