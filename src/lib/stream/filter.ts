// SPDX-License-Identifier: Apache-2.0
// An event node's filter: which codes, channels and actions it passes, and of detections which objects, rules,
// plates and faces. The camera's one stream carries everything (`codes=[All]`); each node filters locally, which
// is what lets every node share that stream.

import {
  channelRange,
  filterProblem,
  knownItems,
  knownMatchProblem,
  knownProblem,
  listItems,
  plateKey,
  quotedName,
  similarityProblem,
  type FilterList,
} from '../rules'
import type { CameraEvent } from '../types'
import type { Detection } from './detection'

export interface FilterSettings {
  /** Comma-separated event codes; empty passes all. Case does not matter. */
  codes?: string
  /** Comma-separated 1-based channels, ranges and quoted channel names (`1,3-4,"Garage"`); empty passes all. */
  channels?: string
  /** Comma-separated of Start, Stop, Pulse, State; empty passes all. */
  actions?: string
  /** Comma-separated object kinds (`human, vehicle`); empty passes every event, with a detection or not. */
  objects?: string
  /** Comma-separated rule names as the camera's page shows them; case does not matter. */
  rules?: string
  /** Known plates, one per line. */
  plates?: string
  /** `all` (marked known or not), `known` or `unknown`; absent: all. */
  plateMatch?: string
  /** Known faces by name or id, one per line. */
  faces?: string
  faceMatch?: string
  /** 0-100: a face matched with less is not known. Empty: whatever the device matched. */
  faceSimilarity?: string | number
}

type Match = 'all' | 'known' | 'unknown'

export interface EventFilter {
  codes?: Set<string>
  channels?: Set<number>
  /** Channel names, lower-case: an event passes when its channel has one of these names. */
  channelNames?: Set<string>
  actions?: Set<string>
  objects?: Set<string>
  /** Rule names, lower-case. */
  rules?: Set<string>
  /** Plates as plateKey gives them. */
  plates?: { known: Set<string>; match: Match }
  /** Names and ids, lower-case. */
  faces?: { known: Set<string>; match: Match; similarity: number }
}

/** Why a filter setting is refused: a catalog key and its parameters. */
export interface FilterError {
  key: string
  params?: Record<string, string>
}

/**
 * The filter, or why the settings are not one. A bad entry is an error, never silently "all". What an entry may
 * be is rules.ts's, which the editor's validators share.
 */
export function parseFilter(settings: FilterSettings): { filter: EventFilter } | { error: FilterError } {
  const lists: FilterList[] = ['codes', 'channels', 'actions', 'objects', 'rules']
  const problem =
    lists.map((list) => filterProblem(list, settings[list])).find(Boolean) ??
    knownProblem('plates', settings.plates) ??
    knownProblem('faces', settings.faces) ??
    knownMatchProblem(settings.plateMatch) ??
    knownMatchProblem(settings.faceMatch) ??
    similarityProblem(settings.faceSimilarity)
  if (problem) {
    return { error: problem }
  }
  const filter: EventFilter = {}
  const lower = (list: 'codes' | 'actions' | 'objects' | 'rules'): Set<string> | undefined => {
    const items = listItems(settings[list])
    return items.length > 0 ? new Set(items.map((item) => item.toLowerCase())) : undefined
  }
  filter.codes = lower('codes')
  filter.actions = lower('actions')
  filter.objects = lower('objects')
  filter.rules = lower('rules')
  const channels = listItems(settings.channels)
  if (channels.length > 0) {
    filter.channels = new Set()
    for (const item of channels) {
      const name = quotedName(item)
      if (name !== undefined) {
        filter.channelNames ??= new Set()
        filter.channelNames.add(name.toLowerCase())
        continue
      }
      const [from, to] = channelRange(item) ?? [1, 0]
      for (let channel = from; channel <= to; channel++) {
        filter.channels.add(channel)
      }
    }
  }
  const plates = knownItems('plates', settings.plates).map(plateKey)
  const plateMatch = (settings.plateMatch || 'all') as Match
  if (plates.length > 0 || plateMatch !== 'all') {
    filter.plates = { known: new Set(plates), match: plateMatch }
  }
  const faces = knownItems('faces', settings.faces).map((face) => face.toLowerCase())
  const faceMatch = (settings.faceMatch || 'all') as Match
  if (faces.length > 0 || faceMatch !== 'all') {
    const similarity = Number(settings.faceSimilarity)
    const set = String(settings.faceSimilarity ?? '').trim() !== ''
    filter.faces = { known: new Set(faces), match: faceMatch, similarity: set ? similarity : 0 }
  }
  for (const key of Object.keys(filter) as (keyof EventFilter)[]) {
    if (filter[key] === undefined) {
      delete filter[key]
    }
  }
  return { filter }
}

/** `channelName`: the device's name for the event's channel, when its index is a video channel and it has one. */
export function matches(filter: EventFilter, event: CameraEvent, channelName?: string): boolean {
  return (
    (!filter.codes || filter.codes.has(event.code.toLowerCase())) &&
    (!filter.channels ||
      filter.channels.has(event.index + 1) ||
      (channelName !== undefined && filter.channelNames?.has(channelName.toLowerCase()) === true)) &&
    (!filter.actions || filter.actions.has(event.action.toLowerCase()))
  )
}

/**
 * Whether what an event saw passes the node's object, rule, plate and face filters. An event without a detection
 * never passes one that asks for something.
 */
export function detects(filter: EventFilter, detection: Detection | undefined): boolean {
  return (
    (!filter.objects || (detection !== undefined && filter.objects.has(detection.object))) &&
    (!filter.rules ||
      (detection?.rule?.name !== undefined && filter.rules.has(detection.rule.name.toLowerCase()))) &&
    passes(filter.plates?.match, detection?.plate && knownPlate(filter, detection)) &&
    passes(filter.faces?.match, hasFace(detection) ? knownFace(filter, detection) : undefined)
  )
}

/** Starts remembered per node for their Stop: far more than a camera has going on at once. */
const MAX_REMEMBERED_STARTS = 1024

/**
 * The detection filters of one node, with memory: a Stop goes where its Start went, whatever it carries. An IVS
 * Stop may name no object (`{ Name, RuleId }` only) and a reconciled one has no data at all; judged by their own
 * data they would be dropped, and a flow's "person in the yard" would stay on for ever (peers.md: sensors stuck
 * on). A Stop whose Start this node did not see is judged by its own data.
 */
export class DetectionGate {
  /** `code`, `index` and rule name of a Start seen -> whether it passed. */
  private readonly starts = new Map<string, boolean>()

  passes(filter: EventFilter, event: CameraEvent, detection: Detection | undefined): boolean {
    const asks =
      filter.objects !== undefined ||
      filter.rules !== undefined ||
      (filter.plates !== undefined && filter.plates.match !== 'all') ||
      (filter.faces !== undefined && filter.faces.match !== 'all')
    if (!asks) {
      return true
    }
    // By rule too: two rules of one code on one channel start and stop apart.
    const channel = `${event.code}\n${event.index}\n`
    const key = channel + (detection?.rule?.name ?? '')
    if (event.action === 'Stop') {
      // A Stop that names no rule (a reconciled one has no data) ends every Start of its code and channel.
      const ended = this.starts.has(key)
        ? [key]
        : detection?.rule
          ? []
          : [...this.starts.keys()].filter((k) => k.startsWith(channel))
      if (ended.length > 0) {
        const passed = ended.some((k) => this.starts.get(k) === true)
        ended.forEach((k) => this.starts.delete(k))
        return passed
      }
    }
    const passed = detects(filter, detection)
    if (event.action === 'Start' && (this.starts.has(key) || this.starts.size < MAX_REMEMBERED_STARTS)) {
      // A second Start of the same rule while one is going on: the Stop ends both.
      this.starts.set(key, passed || this.starts.get(key) === true)
    }
    return passed
  }
}

/**
 * The detection as this node sends it: marked `known: true/false` on its plate and face where the node has a list
 * of them. A copy: every node on the camera shares the detection, and each marks it by its own list.
 */
export function marked(filter: EventFilter, detection: Detection): Detection {
  const copy = structuredClone(detection)
  if (filter.plates && copy.plate) {
    copy.plate.known = knownPlate(filter, detection)
  }
  if (filter.faces && hasFace(detection)) {
    copy.face = { ...copy.face, known: knownFace(filter, detection) }
  }
  return copy
}

/** `known`: whether the event's plate or face is known, undefined when it has none. */
function passes(match: Match | undefined, known: boolean | undefined): boolean {
  return !match || match === 'all' || (known !== undefined && known === (match === 'known'))
}

function knownPlate(filter: EventFilter, detection: Detection): boolean {
  return detection.plate !== undefined && filter.plates?.known.has(plateKey(detection.plate.text)) === true
}

function hasFace(detection: Detection | undefined): detection is Detection {
  return detection !== undefined && (detection.face !== undefined || detection.object === 'face')
}

/** A face is known when its name or id is on the list and the device was at least that sure. */
function knownFace(filter: EventFilter, detection: Detection): boolean {
  const faces = filter.faces
  const face = detection.face
  if (!faces || !face) {
    return false
  }
  const named = [face.name, face.id].some((key) => key !== undefined && faces.known.has(key.toLowerCase()))
  // With a least similarity set, a match the device gave no similarity for is not sure enough.
  const sure = face.similarity === undefined ? faces.similarity === 0 : face.similarity >= faces.similarity
  return named && sure
}
