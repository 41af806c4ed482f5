// SPDX-License-Identifier: Apache-2.0
// An event node's filter: which codes, channels and actions it passes. The camera's one stream carries
// everything (`codes=[All]`); each node filters locally, which is what lets every node share that stream.

import { channelRange, filterProblem, listItems, quotedName } from '../rules'
import type { CameraEvent } from '../types'

export interface FilterSettings {
  /** Comma-separated event codes; empty passes all. Case does not matter. */
  codes?: string
  /** Comma-separated 1-based channels, ranges and quoted channel names (`1,3-4,"Garage"`); empty passes all. */
  channels?: string
  /** Comma-separated of Start, Stop, Pulse, State; empty passes all. */
  actions?: string
}

export interface EventFilter {
  codes?: Set<string>
  channels?: Set<number>
  /** Channel names, lower-case: an event passes when its channel has one of these names. */
  channelNames?: Set<string>
  actions?: Set<string>
}

/** Why a filter setting is refused: which list and the entry, for a catalog text. */
export interface FilterError {
  list: 'codes' | 'channels' | 'actions'
  item: string
}

/**
 * The filter, or why the settings are not one. A bad entry is an error, never silently "all". What an entry may
 * be is rules.ts's, which the editor's validators share.
 */
export function parseFilter(settings: FilterSettings): { filter: EventFilter } | { error: FilterError } {
  for (const list of ['codes', 'channels', 'actions'] as const) {
    const problem = filterProblem(list, settings[list])
    if (problem) {
      return { error: { list, item: problem.params?.item ?? '' } }
    }
  }
  const filter: EventFilter = {}
  const codes = listItems(settings.codes)
  if (codes.length > 0) {
    filter.codes = new Set(codes.map((code) => code.toLowerCase()))
  }
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
  const actions = listItems(settings.actions)
  if (actions.length > 0) {
    filter.actions = new Set(actions.map((action) => action.toLowerCase()))
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
